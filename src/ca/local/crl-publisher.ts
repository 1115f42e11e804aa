/**
 * The embedded CA's revocation list and the CRLs published from it: one CRL per scope — each
 * shard, and the legacy CRL of certificates issued before partitioning (crl-partition.ts).
 *
 * What holds, across crashes and restarts:
 * - A revocation is durable before `revoke()` resolves: its journal line (revocation-journal.ts)
 *   has been written and fdatasync'd.
 * - A CRL never lists a revocation a crash could forget: a CRL is built only from revocations
 *   already durable.
 * - CRL numbers come from one counter shared by every scope, and increase for the life of the CA
 *   whatever the clock does (RFC 5280 §5.2.3 asks for a monotonically increasing number per CRL
 *   scope; each scope's numbers are a rising subsequence of the shared ones — they skip, which
 *   §5.2.3 allows). The highest number a round will use is in the journal (or the snapshot)
 *   before its CRLs are built. It rides in the same append as the revocations they add, so it
 *   costs no extra fdatasync; a number whose CRL was never built (the append failed) may be used
 *   again, since no relying party saw it.
 * - A corrupt list refuses to start (revocation-file.ts, revocation-journal.ts), never
 *   un-revokes.
 *
 * Cost: `revoke()` appends one line and resolves once the served CRL of its serial's scope lists
 * it, so the ACME layer's "once the revocation has propagated, the CRL lists it" holds. A round
 * takes every scope that has revocations (or a reissue) waiting, writes all their revocations in
 * one append and one fdatasync, then rebuilds those scopes' CRLs only: a revocation costs a build
 * of its shard, about 1/shards of the list, and revocations are coalesced per scope. Rounds are
 * paced (crl-pacing.ts) on what they built: the next starts no sooner than four times the last
 * round's build time after it started, so a storm of revocations cannot give more than a quarter
 * of a core to CRL building, whether it hits one shard or all of them (pacing each scope on its
 * own would not bound the sum), while a round that rebuilt one shard holds the next back by a
 * fraction of what a whole-list build did. The journal is
 * folded into the snapshot at every start and whenever it has as many records as the list has
 * entries (at least COMPACT_AFTER_RECORDS, revocation-recorder.ts).
 */
import { AuthorityUnavailableError } from "../authority.js";
import type { TbsSigner } from "../x509/signer.js";
import { type CrlBatch, newCrlBatch } from "./crl-batch.js";
import { crlBuildInterval } from "./crl-pacing.js";
import { type CrlScope, crlScopeOf, decideShardCount } from "./crl-partition.js";
import { type CrlScopeState, bootScopes } from "./crl-scope.js";
import type { IssuingCa } from "./issuing-ca.js";
import { type ListedRevocation, listedRevocation } from "./listed-revocations.js";
import { type PublishedCrl, crlIsStale, publishCrl } from "./published-crl.js";
import type { Revocation } from "./revocation-file.js";
import { revocationRecorder } from "./revocation-recorder.js";
import { type RevocationPaths, compactRevocations, readRevocations } from "./revocation-store.js";

export const COMPACT_AFTER_RECORDS = 10_000;

export interface CrlPublisherOptions {
  readonly paths: RevocationPaths;
  readonly issuing: IssuingCa;
  readonly signer: TbsSigner;
  readonly now: () => Date;
  /**
   * where each scope's CRL is served — the URL certificates are given now, and those earlier ones
   * were given (crl-urls.ts): its issuing distribution point names them all
   */
  readonly crlUrlsOf: (scope: CrlScope) => readonly string[];
  /** the configured shard count (`crl-shards`); the count recorded with the CA wins, see decideShardCount */
  readonly crlShards?: number | undefined;
  /** fold the journal into the snapshot once it has this many records (and as many as the list); default COMPACT_AFTER_RECORDS */
  readonly compactAfterRecords?: number | undefined;
}

export interface CrlPublisher {
  /** how many shards the CA's certificates are spread over */
  readonly shards: number;
  /** the scope whose CRL lists `serialHex` (canonical hex) once revoked */
  scopeOf(serialHex: string): CrlScope;
  /** a scope's current CRL, DER; once it is a day old a fresh one is prepared in the background */
  crlDer(scope: CrlScope): Uint8Array;
  /**
   * Records the revocation durably, then resolves once the served CRL of its scope lists it. A
   * serial already on the list keeps its first reason and date. Throws AuthorityUnavailableError
   * if it cannot be written.
   */
  revoke(revocation: Revocation): Promise<void>;
  /** why the last background reissue failed, while it keeps failing */
  reissueFailure(): string | undefined;
  /** for tests and the bench: CRLs built since open (those built at boot included) */
  readonly builds: () => number;
}

export async function openCrlPublisher(options: CrlPublisherOptions): Promise<CrlPublisher> {
  const { paths, issuing, signer, now } = options;
  const compactAfter = options.compactAfterRecords ?? COMPACT_AFTER_RECORDS;

  const stored = await readRevocations(paths);
  const shards = decideShardCount(stored.crlShards, options.crlShards, paths.snapshot);
  const scopeOf = (serialHex: string): CrlScope => crlScopeOf(serialHex, shards);

  // A fresh CRL for every scope at every start, numbered above anything an earlier run
  // published. They are served only once the journal (less a torn last line) is folded into the
  // snapshot with the highest number; the entries they are the first to list past their notAfter
  // are left out of that snapshot.
  const booted = bootScopes(stored, shards, { issuing, signer, now: now(), urlsOf: options.crlUrlsOf });
  const states = booted.states;
  let lastCrlNumber = booted.lastCrlNumber;
  const stateOf = (scope: CrlScope): CrlScopeState => {
    const state = states[scope === "legacy" ? shards : scope];
    if (state === undefined) throw new RangeError(`CRL shard ${String(scope)} is not one of this CA's ${shards}`);
    return state;
  };
  const listedRevocations = (): Revocation[] => states.flatMap((state) => state.listed.revocations());
  const listedCount = (): number => states.reduce((sum, state) => sum + state.listed.size, 0);
  await compactRevocations(paths, { revocations: listedRevocations(), lastCrlNumber, crlShards: shards });
  let builds = states.length;

  /** performance.now() when the last round started, and the time its builds took */
  let lastStart = Number.NEGATIVE_INFINITY;
  let lastBuildMs = 0;
  const recorder = revocationRecorder({ paths, crlShards: shards, compactAfter, listed: listedRevocations, listedCount });
  let failure: string | undefined;
  let timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  let writing = false;

  const reissueFailed = (batch: CrlBatch, err: unknown): void => {
    if (batch.reissue) failure = `the local CA could not reissue its CRL: ${(err as Error).message}`;
  };

  /** One round: the waiting scopes' revocations made durable together, then each of their CRLs built. */
  const publishRound = async (round: readonly { state: CrlScopeState; batch: CrlBatch }[]): Promise<void> => {
    // A serial may have been listed by the batch before, which it was waiting behind.
    const fresh = round.map(({ state, batch }) => [...batch.revocations.values()].filter((f) => !state.listed.has(f.revocation.serialHex)));
    const firstNumber = lastCrlNumber + 1n;
    const highestNumber = lastCrlNumber + BigInt(round.length);
    try {
      await recorder.record(fresh.flat(), highestNumber);
    } catch (err) {
      for (const { batch } of round) {
        reissueFailed(batch, err);
        batch.reject(new AuthorityUnavailableError(`the local CA could not record the revocation in ${paths.journal}`, { cause: err }));
      }
      return;
    }
    lastCrlNumber = highestNumber;
    round.forEach(({ state, batch }, index) => {
      const added = fresh[index] ?? [];
      const buildStarted = performance.now();
      let built: PublishedCrl;
      try {
        built = publishCrl(issuing, signer, state.listed.entriesWith(added), firstNumber + BigInt(index), now(), state.idp);
      } catch (err) {
        // The revocations are durable and will be on this scope's CRL after the next start; this one could not be signed.
        reissueFailed(batch, err);
        batch.reject(new AuthorityUnavailableError("the local CA could not sign its CRL", { cause: err }));
        return;
      } finally {
        lastBuildMs += performance.now() - buildStarted;
      }
      state.listed.add(added);
      state.crl = built;
      builds++;
      state.listed.prune(built.thisUpdate);
      failure = undefined;
      batch.resolve();
    });
  };

  const run = async (): Promise<void> => {
    timer = undefined;
    const round = states.flatMap((state) => (state.next ? [{ state, batch: state.next }] : []));
    if (round.length === 0) return;
    for (const { state } of round) state.next = undefined;
    writing = true;
    lastStart = performance.now();
    lastBuildMs = 0;
    try {
      await publishRound(round);
    } catch (err) {
      for (const { batch } of round) batch.reject(err);
    } finally {
      for (const { state, batch } of round) if (batch.reissue) state.reissueAsked = false;
      writing = false;
      schedule();
    }
  };

  /** Starts the next round once the one being written is done and the pacing interval has passed. */
  function schedule(): void {
    if (writing || timer !== undefined || !states.some((state) => state.next)) return;
    const wait = lastStart + crlBuildInterval(lastBuildMs) - performance.now();
    // setImmediate even when due: revoke() calls made in the same tick join one round.
    timer = wait > 0 ? setTimeout(() => void run(), wait) : setImmediate(() => void run());
  }

  const pending = (state: CrlScopeState): CrlBatch => {
    state.next ??= newCrlBatch();
    schedule();
    return state.next;
  };

  return {
    shards,
    scopeOf,

    crlDer(scope) {
      const state = stateOf(scope);
      if (!state.reissueAsked && crlIsStale(state.crl, now())) {
        state.reissueAsked = true;
        pending(state).reissue = true;
      }
      return state.crl.der;
    },

    revoke(revocation) {
      const state = stateOf(scopeOf(revocation.serialHex));
      if (state.listed.has(revocation.serialHex)) return Promise.resolve();
      let encoded: ListedRevocation;
      try {
        // Encoded here, once: a revocation that cannot be encoded fails alone, not its batch.
        encoded = listedRevocation(revocation);
      } catch (err) {
        return Promise.reject(err as Error);
      }
      const batch = pending(state);
      if (!batch.revocations.has(revocation.serialHex)) batch.revocations.set(revocation.serialHex, encoded);
      return batch.done;
    },

    reissueFailure: () => failure,
    builds: () => builds,
  };
}
