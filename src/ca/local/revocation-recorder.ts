/**
 * Making a round of revocations and its CRL number durable before any CRL lists them
 * (crl-publisher.ts): one journal append and fdatasync (revocation-journal.ts), or, when the
 * journal has grown as long as the list (at least `compactAfter` records) or an append failed
 * part-way, a compaction that rewrites the snapshot from memory (revocation-store.ts). Compacting
 * only then keeps its cost O(1) per revocation, amortised.
 */
import type { ListedRevocation } from "./listed-revocations.js";
import type { Revocation } from "./revocation-file.js";
import { type JournalRecord, appendToJournal } from "./revocation-journal.js";
import { type RevocationPaths, compactRevocations } from "./revocation-store.js";

export interface RevocationRecorder {
  /** `fresh` (not yet listed) and `crlNumber` made durable; throws if they could not be written */
  record(fresh: readonly ListedRevocation[], crlNumber: bigint): Promise<void>;
}

export interface RevocationRecorderOptions {
  readonly paths: RevocationPaths;
  readonly crlShards: number;
  readonly compactAfter: number;
  /** the revocations listed now, across every CRL, and how many */
  readonly listed: () => readonly Revocation[];
  readonly listedCount: () => number;
}

export function revocationRecorder(options: RevocationRecorderOptions): RevocationRecorder {
  const { paths, crlShards, compactAfter } = options;
  let journalRecords = 0;
  let compactionNeeded = false;
  return {
    async record(fresh, crlNumber) {
      if (compactionNeeded || journalRecords >= Math.max(compactAfter, options.listedCount())) {
        compactionNeeded = true;
        const revocations = [...options.listed(), ...fresh.map((f) => f.revocation)];
        await compactRevocations(paths, { revocations, lastCrlNumber: crlNumber, crlShards });
        compactionNeeded = false;
        journalRecords = 0;
        return;
      }
      const records: JournalRecord[] = fresh.map((f) => ({ kind: "revocation", revocation: f.revocation }));
      records.push({ kind: "crl-number", crlNumber });
      try {
        await appendToJournal(paths.journal, records);
      } catch (err) {
        // Part of the lines may be in the file: rewrite both files from memory next time rather
        // than append after a torn line.
        compactionNeeded = true;
        throw err;
      }
      journalRecords += records.length;
    },
  };
}
