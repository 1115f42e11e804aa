/**
 * How often the embedded CA may build CRLs. Building is CPU on the event loop (copying every
 * entry, hashing the list, one signature): about 2 ms for 30,000 entries, a sixteenth of that
 * for one of 16 shards. Under a revocation storm one build per revocation would take the whole
 * core; instead the next round of builds (crl-publisher.ts: the CRLs of every shard with
 * revocations waiting) starts no sooner than BUILD_SHARE times the last round's build time after
 * the last one started, so CRL building takes at most 1/BUILD_SHARE of a core however many
 * shards a storm touches, and the revocations that arrive meanwhile all go into that next round.
 * The floor bounds rounds per second when the CRLs are short.
 */
export const CRL_BUILD_SHARE = 4;
export const CRL_BUILD_FLOOR_MS = 2;

/** The least time between the starts of two rounds of CRL builds, after one whose builds took `lastBuildMs`. */
export const crlBuildInterval = (lastBuildMs: number): number => Math.max(CRL_BUILD_FLOOR_MS, CRL_BUILD_SHARE * lastBuildMs);
