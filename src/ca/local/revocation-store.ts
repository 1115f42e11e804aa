/**
 * The embedded CA's revocation list on disk: the snapshot `revoked.json` plus the journal
 * `revoked.journal` appended since it was written. Reading replays the journal over the
 * snapshot; compacting writes the replayed list as the new snapshot (temp file, fsync, rename)
 * and only then empties the journal.
 *
 * Replaying is idempotent — a serial keeps its first revocation, the CRL number is the highest
 * seen — so a crash between the rename and the truncation, which leaves the journal's records in
 * both files, changes nothing.
 */
import { join } from "node:path";
import { type JournalRecord, REVOCATION_JOURNAL, readJournal, resetJournal } from "./revocation-journal.js";
import {
  REVOCATION_FILE,
  type RecordedRevocationState,
  type Revocation,
  type RevocationState,
  readRevocationFile,
  writeRevocationFile,
} from "./revocation-file.js";

export interface RevocationPaths {
  readonly snapshot: string;
  readonly journal: string;
}

export const revocationPaths = (dir: string): RevocationPaths => ({ snapshot: join(dir, REVOCATION_FILE), journal: join(dir, REVOCATION_JOURNAL) });

export interface StoredRevocations extends RevocationState {
  /** journal records replayed over the snapshot */
  readonly journalRecords: number;
  /** bytes of a torn last journal line, dropped (0 when the last append finished) */
  readonly tornTailBytes: number;
}

/** Read-only: `certeasy adcs check` reads the list while a node may be serving from it. */
export async function readRevocations(paths: RevocationPaths): Promise<StoredRevocations> {
  const snapshot = await readRevocationFile(paths.snapshot);
  const journal = await readJournal(paths.journal);
  return { ...replay(snapshot, journal.records), journalRecords: journal.records.length, tornTailBytes: journal.tornTailBytes };
}

export function replay(snapshot: RevocationState, records: readonly JournalRecord[]): RevocationState {
  const bySerial = new Map<string, Revocation>(snapshot.revocations.map((r) => [r.serialHex, r]));
  let lastCrlNumber = snapshot.lastCrlNumber;
  for (const record of records) {
    if (record.kind === "crl-number") {
      if (record.crlNumber > lastCrlNumber) lastCrlNumber = record.crlNumber;
    } else if (!bySerial.has(record.revocation.serialHex)) {
      bySerial.set(record.revocation.serialHex, record.revocation);
    }
  }
  return { revocations: [...bySerial.values()], lastCrlNumber, ...(snapshot.crlShards === undefined ? {} : { crlShards: snapshot.crlShards }) };
}

/** The whole list as the new snapshot, then an empty journal (which also drops a torn line). */
export async function compactRevocations(paths: RevocationPaths, state: RecordedRevocationState): Promise<void> {
  await writeRevocationFile(paths.snapshot, state);
  await resetJournal(paths.journal);
}
