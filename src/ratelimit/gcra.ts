/**
 * The token bucket, written as GCRA (the generic cell rate algorithm): a bucket is one number,
 * its theoretical arrival time `tat` — the instant it will be full again. One token comes back
 * every `intervalMs`; a bucket holds at most `burst`. Storing one number per key instead of
 * (tokens, last refill) halves the memory of a key table and makes Retry-After exact: it is how
 * long until the missing tokens have come back. Pure: every function is given `now` in ms.
 */
export interface BucketRate {
  /** milliseconds per token: the period divided by the quota */
  readonly intervalMs: number;
  /** tokens a full bucket holds */
  readonly burst: number;
}

export const bucketRate = (quota: number, periodMs: number, burst: number): BucketRate => ({
  intervalMs: periodMs / quota,
  burst,
});

export type BucketOutcome = { readonly ok: true; readonly tat: number } | { readonly ok: false; readonly retryAfterMs: number };

/**
 * Take `cost` tokens at `now` from the bucket at `tat` (0 or any past time: full). A refusal
 * takes nothing. `cost` must not exceed `burst`: such a request would never fit, and the caller
 * has to say so instead of naming a Retry-After.
 */
export function takeTokens(tat: number, now: number, cost: number, rate: BucketRate): BucketOutcome {
  const next = Math.max(tat, now) + cost * rate.intervalMs;
  const excess = next - now - rate.burst * rate.intervalMs;
  if (excess <= 0) return { ok: true, tat: next };
  return { ok: false, retryAfterMs: wholeMs(excess) };
}

/**
 * Record `cost` tokens spent at `at`, allowed or not: an event in the log happened, so the
 * bucket owes them even when it ran dry (a burst of requests in flight at once, or a whitelisted
 * address). The debt makes later Retry-Afters longer rather than being forgotten.
 */
export const spendTokens = (tat: number, at: number, cost: number, rate: BucketRate): number =>
  Math.max(tat, at) + cost * rate.intervalMs;

/** A bucket that is full at `now` carries no information and may be forgotten. */
export const isFull = (tat: number, now: number): boolean => tat <= now;

/** Up to the next whole millisecond, ignoring float noise such as 50.000000001. */
export function wholeMs(ms: number): number {
  return Math.max(0, Math.ceil(Math.round(ms * 1_000) / 1_000));
}
