/**
 * How often the embedded CA may build a CRL. Building is CPU on the event loop (copying every
 * entry, hashing the list, one signature): about 2 ms for 30,000 entries. Under a revocation
 * storm one build per revocation would take the whole core; instead the next build starts no
 * sooner than BUILD_SHARE times the last build's duration after the last one started, so CRL
 * building takes at most 1/BUILD_SHARE of a core, and the revocations that arrive meanwhile all
 * go into that next CRL. The floor bounds builds per second when the list is short.
 */
export const CRL_BUILD_SHARE = 4;
export const CRL_BUILD_FLOOR_MS = 2;

/** The least time between the starts of two CRL builds, after one that took `lastBuildMs`. */
export const crlBuildInterval = (lastBuildMs: number): number => Math.max(CRL_BUILD_FLOOR_MS, CRL_BUILD_SHARE * lastBuildMs);
