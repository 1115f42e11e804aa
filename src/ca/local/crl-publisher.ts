/**
 * The embedded CA's revocation list and the CRL published from it.
 *
 * What holds, across crashes and restarts:
 * - A revocation is durable before `revoke()` resolves: its journal line (revocation-journal.ts)
 *   has been written and fdatasync'd.
 * - A CRL never lists a revocation a crash could forget: a CRL is built only from revocations
 *   already durable.
 * - CRL numbers increase for the life of the CA (RFC 5280 §5.2.3), whatever the clock does: the
 *   number of every CRL is in the journal (or the snapshot) before the CRL is built. The record
 *   rides in the same append as the revocations the CRL adds, so it costs no extra fdatasync; a
 *   number whose CRL was never built (the append failed) may be used again, since no relying
 *   party saw it. (Reserving blocks of numbers would save the record, not the sync.)
 * - A corrupt list refuses to start (revocation-file.ts, revocation-journal.ts), never
 *   un-revokes.
 *
 * Cost: `revoke()` appends one line and resolves once a CRL listing it is served, so the ACME
 * layer's "once the revocation has propagated, the CRL lists it" holds. The revocations that
 * arrive while one CRL is being written and built are coalesced into the next: one append, one
 * fdatasync and one build for all of them. Builds are paced (crl-pacing.ts) so that a storm of
 * revocations cannot give more than a quarter of a core to CRL building; a revocation waits at
 * most for the build in progress, the pacing interval and its own build. The journal is folded
 * into the snapshot at every start and whenever it has as many records as the list has entries
 * (at least COMPACT_AFTER_RECORDS), so compaction costs O(1) per revocation, amortised.
 */
import { AuthorityUnavailableError } from "../authority.js";
import type { TbsSigner } from "../x509/signer.js";
import { crlBuildInterval } from "./crl-pacing.js";
import type { IssuingCa } from "./issuing-ca.js";
import { type ListedRevocation, ListedRevocations, listedRevocation } from "./listed-revocations.js";
import { type PublishedCrl, crlIsStale, publishCrl } from "./published-crl.js";
import type { Revocation } from "./revocation-file.js";
import { type JournalRecord, appendToJournal } from "./revocation-journal.js";
import { type RevocationPaths, compactRevocations, readRevocations } from "./revocation-store.js";

export const COMPACT_AFTER_RECORDS = 10_000;

export interface CrlPublisherOptions {
  readonly paths: RevocationPaths;
  readonly issuing: IssuingCa;
  readonly signer: TbsSigner;
  readonly now: () => Date;
  /** fold the journal into the snapshot once it has this many records (and as many as the list); default COMPACT_AFTER_RECORDS */
  readonly compactAfterRecords?: number | undefined;
}

export interface CrlPublisher {
  /** the current CRL, DER; once it is a day old a fresh one is prepared in the background */
  crlDer(): Uint8Array;
  /**
   * Records the revocation durably, then resolves once the served CRL lists it. A serial already
   * on the list keeps its first reason and date. Throws AuthorityUnavailableError if it cannot be
   * written.
   */
  revoke(revocation: Revocation): Promise<void>;
  /** why the last background reissue failed, while it keeps failing */
  reissueFailure(): string | undefined;
  /** for tests and the bench: CRLs built since open (the boot CRL included) */
  readonly builds: () => number;
}

/** The revocations (and a reissue, if asked) waiting for the next CRL. */
interface Batch {
  readonly revocations: Map<string, ListedRevocation>;
  reissue: boolean;
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

function newBatch(): Batch {
  let resolve: () => void = () => undefined;
  let reject: (err: unknown) => void = () => undefined;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A reissue nobody awaits must not fail as an unhandled rejection; revoke() callers still see it.
  done.catch(() => undefined);
  return { revocations: new Map(), reissue: false, done, resolve, reject };
}

export async function openCrlPublisher(options: CrlPublisherOptions): Promise<CrlPublisher> {
  const { paths, issuing, signer, now } = options;
  const compactAfter = options.compactAfterRecords ?? COMPACT_AFTER_RECORDS;

  // A fresh CRL at every start, numbered above anything an earlier run published. It is served
  // only once the journal (less a torn last line) is folded into the snapshot with its number;
  // the entries it is the first to list past their notAfter are left out of that snapshot.
  const stored = await readRevocations(paths);
  let lastCrlNumber = stored.lastCrlNumber + 1n;
  const listed = new ListedRevocations(stored.revocations);
  let crl = publishCrl(issuing, signer, listed.entriesWith([]), lastCrlNumber, now());
  listed.prune(crl.thisUpdate);
  await compactRevocations(paths, { revocations: listed.revocations(), lastCrlNumber });
  let builds = 1;

  let journalRecords = 0;
  let compactionNeeded = false;
  let failure: string | undefined;
  /** a reissue is queued or being written: crlDer() asks for no second one */
  let reissueAsked = false;
  let next: Batch | undefined;
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let writing = false;
  let lastStart = Number.NEGATIVE_INFINITY;
  let lastBuildMs = 0;

  /** Makes `fresh` and the CRL number durable: one journal append, or a compaction when due or after a failed append. */
  const persist = async (fresh: readonly ListedRevocation[], crlNumber: bigint): Promise<void> => {
    if (compactionNeeded || journalRecords >= Math.max(compactAfter, listed.size)) {
      compactionNeeded = true;
      const revocations = [...listed.revocations(), ...fresh.map((f) => f.revocation)];
      await compactRevocations(paths, { revocations, lastCrlNumber: crlNumber });
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
  };

  const publishBatch = async (batch: Batch): Promise<void> => {
    // A serial may have been listed by the batch before, which it was waiting behind.
    const fresh = [...batch.revocations.values()].filter((f) => !listed.has(f.revocation.serialHex));
    const crlNumber = lastCrlNumber + 1n;
    try {
      await persist(fresh, crlNumber);
    } catch (err) {
      if (batch.reissue) failure = `the local CA could not reissue its CRL: ${(err as Error).message}`;
      batch.reject(new AuthorityUnavailableError(`the local CA could not record the revocation in ${paths.journal}`, { cause: err }));
      return;
    }
    lastCrlNumber = crlNumber;
    const started = performance.now();
    let built: PublishedCrl;
    try {
      built = publishCrl(issuing, signer, listed.entriesWith(fresh), crlNumber, now());
    } catch (err) {
      // The revocations are durable and will be on the next CRL; this one could not be signed.
      if (batch.reissue) failure = `the local CA could not reissue its CRL: ${(err as Error).message}`;
      batch.reject(new AuthorityUnavailableError("the local CA could not sign its CRL", { cause: err }));
      return;
    } finally {
      lastBuildMs = performance.now() - started;
    }
    listed.add(fresh);
    crl = built;
    builds++;
    listed.prune(crl.thisUpdate);
    failure = undefined;
    batch.resolve();
  };

  const run = async (): Promise<void> => {
    timer = undefined;
    const batch = next;
    next = undefined;
    if (!batch) return;
    writing = true;
    lastStart = performance.now();
    try {
      await publishBatch(batch);
    } catch (err) {
      batch.reject(err);
    } finally {
      if (batch.reissue) reissueAsked = false;
      writing = false;
      if (next) schedule();
    }
  };

  /** Starts the next batch once the one being written is done and the pacing interval has passed. */
  function schedule(): void {
    if (writing || timer !== undefined) return;
    const wait = lastStart + crlBuildInterval(lastBuildMs) - performance.now();
    // setImmediate even when due: revoke() calls made in the same tick join one batch.
    timer = wait > 0 ? setTimeout(() => void run(), wait) : setImmediate(() => void run());
  }

  const pending = (): Batch => {
    next ??= newBatch();
    schedule();
    return next;
  };

  return {
    crlDer() {
      if (!reissueAsked && crlIsStale(crl, now())) {
        reissueAsked = true;
        pending().reissue = true;
      }
      return crl.der;
    },

    revoke(revocation) {
      if (listed.has(revocation.serialHex)) return Promise.resolve();
      let encoded: ListedRevocation;
      try {
        // Encoded here, once: a revocation that cannot be encoded fails alone, not its batch.
        encoded = listedRevocation(revocation);
      } catch (err) {
        return Promise.reject(err as Error);
      }
      const batch = pending();
      if (!batch.revocations.has(revocation.serialHex)) batch.revocations.set(revocation.serialHex, encoded);
      return batch.done;
    },

    reissueFailure: () => failure,
    builds: () => builds,
  };
}
