/**
 * `<dir>/revoked.journal`: what happened to the revocation list since the snapshot
 * (revocation-file.ts) was last compacted, one JSON record a line, appended and never rewritten:
 *
 *   {"serial":"0a1b…","reason":1,"revokedAt":"…","notAfter":"…"}   a revocation
 *   {"crlNumber":"42"}                                               a CRL number about to be published
 *
 * An append is one write of whole lines then fdatasync, and it is acknowledged only after both,
 * so a crash can leave at most one torn line, at the very end, with no newline after it: that
 * append was never acknowledged (no CRL listed it, no caller was told it was recorded) and is
 * dropped. A line that ends with its newline and still does not parse is not a crash artefact:
 * the journal is refused, naming the file and line, because starting without it could
 * un-revoke certificates.
 */
import { constants } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { z } from "zod";
import { syncDirectory } from "./durable-file.js";
import { LocalAuthorityError } from "./errors.js";
import { type Revocation, crlNumberText, recordOfRevocation, revocationOfRecord, revocationRecordShape } from "./revocation-file.js";

export const REVOCATION_JOURNAL = "revoked.journal";

export type JournalRecord =
  | { readonly kind: "revocation"; readonly revocation: Revocation }
  | { readonly kind: "crl-number"; readonly crlNumber: bigint };

export interface JournalContents {
  readonly records: readonly JournalRecord[];
  /** bytes after the last newline: an append a crash cut short, dropped */
  readonly tornTailBytes: number;
}

const lineSchema = z.union([z.strictObject(revocationRecordShape), z.strictObject({ crlNumber: crlNumberText })]);

export async function readJournal(path: string): Promise<JournalContents> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { records: [], tornTailBytes: 0 };
    throw err;
  }
  const end = text.lastIndexOf("\n") + 1;
  const lines = text.slice(0, end).split("\n");
  lines.pop(); // the empty string after the last newline
  return { records: lines.map((line, index) => parseLine(path, line, index + 1)), tornTailBytes: Buffer.byteLength(text.slice(end)) };
}

function parseLine(path: string, line: string, lineNumber: number): JournalRecord {
  let record: z.infer<typeof lineSchema>;
  try {
    record = lineSchema.parse(JSON.parse(line));
  } catch (err) {
    throw new LocalAuthorityError(
      `${path} line ${lineNumber} is not a valid revocation journal record (only a torn last line, left by a crash during an append, is dropped); restore the file from backup`,
      { cause: err },
    );
  }
  return "crlNumber" in record ? { kind: "crl-number", crlNumber: BigInt(record.crlNumber) } : { kind: "revocation", revocation: revocationOfRecord(record) };
}

export function journalLine(record: JournalRecord): string {
  return `${JSON.stringify(record.kind === "crl-number" ? { crlNumber: record.crlNumber.toString() } : recordOfRevocation(record.revocation))}\n`;
}

/**
 * Appends whole lines durably. The file is opened for each append and never created here: a
 * journal deleted under a running CA must fail the write (the caller then compacts from memory)
 * rather than let records go to a fresh file that no longer holds the earlier ones.
 */
export async function appendToJournal(path: string, records: readonly JournalRecord[]): Promise<void> {
  const handle = await open(path, constants.O_WRONLY | constants.O_APPEND);
  try {
    await handle.appendFile(records.map(journalLine).join(""));
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Empties (or creates) the journal, durably: the snapshot now holds everything it held. */
export async function resetJournal(path: string): Promise<void> {
  const handle = await open(path, "w", 0o600);
  try {
    await handle.chmod(0o600);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await syncDirectory(dirname(path));
}
