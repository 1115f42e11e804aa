/**
 * Walking a whole audit file, line by line, and telling a crash artefact from tampering. Pure:
 * the caller feeds lines (from a file, or from a string in tests) and asks for the verdict.
 *
 * The rule (DESIGN §2 invariant 7): only the very last piece of the file may be bad. A final
 * piece without LF, or a final line that does not parse or whose hash fails, is what a crash in
 * the middle of a write leaves behind — a torn tail, to be cut off and re-mirrored from the
 * database. A bad line with anything after it cannot come from a crash (we only ever append), so
 * it is tampering; so is an intact line (its own hash holds) with the wrong seq or prev, even at
 * the end: that is what deleting or reordering lines leaves, never what a torn write leaves.
 */
import { checkLine, type LineFaultKind } from "./check-line.js";
import { EMPTY_CHAIN, tipOf, type AuditLine, type ChainTip } from "./line.js";

export interface LineFault {
  /** 1-based line number in the file */
  readonly line: number;
  readonly kind: LineFaultKind;
  readonly reason: string;
}

export interface TornTail {
  /** the line number the torn piece occupies */
  readonly line: number;
  /** bytes after the last good line */
  readonly bytes: number;
  readonly reason: string;
  /** the dropped text (first 4096 characters), kept for the operator's log as evidence */
  readonly dropped: string;
}

const DROPPED_KEPT = 4096;

export type ChainScanResult =
  | {
      readonly ok: true;
      readonly tip: ChainTip;
      readonly last: AuditLine | null;
      /** position of the last event line, 0 if none */
      readonly lastEventPosition: number;
      /** byte length of the good prefix: where a torn tail is cut */
      readonly goodBytes: number;
      readonly tornTail: TornTail | null;
    }
  | { readonly ok: false; readonly fault: LineFault };

export class ChainScanner {
  #tip: ChainTip = EMPTY_CHAIN;
  #last: AuditLine | null = null;
  #lastEventPosition = 0;
  #goodBytes = 0;
  #suspect: { readonly fault: LineFault; readonly bytes: number; readonly torn: string; readonly text: string } | null = null;
  #tampered: LineFault | null = null;

  /** Set once a bad line turns out not to be the last one; nothing more is accepted after it. */
  get tampered(): LineFault | null {
    return this.#tampered;
  }

  /**
   * Feed the next piece of the file: its text without the LF, its size in bytes (LF included)
   * and whether it ended with an LF. Returns the line if it is good, null otherwise.
   */
  push(text: string, bytes: number, terminated: boolean): AuditLine | null {
    if (this.#tampered) return null;
    if (this.#suspect) {
      this.#tampered = this.#suspect.fault;
      return null;
    }
    const n = this.#tip.seq + 1;
    if (!terminated) {
      const fault: LineFault = { line: n, kind: "parse", reason: `line ${n}: has no line feed` };
      this.#suspect = { fault, bytes, text, torn: `line ${n} has no line feed (${bytes} bytes): a write cut short by a crash` };
      return null;
    }
    const check = checkLine(this.#tip, text);
    if (!check.ok) {
      const fault: LineFault = { line: n, kind: check.kind, reason: check.reason };
      if (check.kind === "bad-seq" || check.kind === "broken-link") {
        // The line is intact (its own hash holds) but out of place: no crash writes that.
        this.#tampered = fault;
        return null;
      }
      this.#suspect = { fault, bytes, text, torn: `${check.reason}; it is the last line, so a write cut short by a crash` };
      return null;
    }
    this.#tip = tipOf(check.line);
    this.#last = check.line;
    if (check.line.kind === "event") this.#lastEventPosition = check.line.position;
    this.#goodBytes += bytes;
    return check.line;
  }

  finish(): ChainScanResult {
    if (this.#tampered) return { ok: false, fault: this.#tampered };
    const s = this.#suspect;
    return {
      ok: true,
      tip: this.#tip,
      last: this.#last,
      lastEventPosition: this.#lastEventPosition,
      goodBytes: this.#goodBytes,
      tornTail: s ? { line: s.fault.line, bytes: s.bytes, reason: s.torn, dropped: s.text.slice(0, DROPPED_KEPT) } : null,
    };
  }
}

/** Scan a whole file's text at once (tests, small files). */
export function scanAuditText(text: string): ChainScanResult {
  const scanner = new ChainScanner();
  const pieces = text.split("\n");
  const tail = pieces.pop() ?? "";
  for (const piece of pieces) scanner.push(piece, Buffer.byteLength(piece) + 1, true);
  if (tail !== "") scanner.push(tail, Buffer.byteLength(tail), false);
  return scanner.finish();
}
