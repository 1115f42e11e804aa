/**
 * Read a file as LF-separated pieces without loading it whole: an audit file grows by one line
 * per event for the life of the node, past what one string can hold. Splits on bytes, so a
 * multi-byte character is never cut, and reports each piece's byte size for truncation.
 */
import type { FileHandle } from "node:fs/promises";

export interface RawLine {
  /** the text, without its LF */
  readonly text: string;
  /** bytes the piece occupies in the file, LF included */
  readonly bytes: number;
  /** false only for a final piece that has no LF */
  readonly terminated: boolean;
}

const LF = 0x0a;

export async function* readRawLines(handle: FileHandle, chunkSize = 1 << 16): AsyncGenerator<RawLine> {
  const chunk = Buffer.allocUnsafe(chunkSize);
  let carry = Buffer.alloc(0);
  let position = 0;
  for (;;) {
    const { bytesRead } = await handle.read(chunk, 0, chunkSize, position);
    if (bytesRead === 0) break;
    position += bytesRead;
    const data = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
    let start = 0;
    for (let lf = data.indexOf(LF, start); lf !== -1; lf = data.indexOf(LF, start)) {
      yield { text: data.toString("utf8", start, lf), bytes: lf + 1 - start, terminated: true };
      start = lf + 1;
    }
    // Copy: `chunk` is reused by the next read.
    carry = Buffer.from(data.subarray(start));
  }
  if (carry.length > 0) yield { text: carry.toString("utf8"), bytes: carry.length, terminated: false };
}
