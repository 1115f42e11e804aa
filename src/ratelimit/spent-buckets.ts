/**
 * Token buckets rebuilt from the log: each event (an account registered, an order created)
 * spends tokens at the instant it was recorded, so after a restart the buckets are exactly as
 * they were. Checking takes nothing — the tokens are spent when the event is committed and
 * reaches the projection. Full buckets are forgotten from the least recently spent end.
 */
import { isFull, spendTokens, takeTokens, type BucketRate } from "./gcra.js";

const PRUNE_PER_SPEND = 4;

export class SpentBuckets {
  readonly #tat = new Map<string, number>();

  constructor(readonly rate: BucketRate) {}

  get keys(): number {
    return this.#tat.size;
  }

  spend(key: string, cost: number, at: number): void {
    const tat = spendTokens(this.#tat.get(key) ?? 0, at, cost, this.rate);
    this.#tat.delete(key);
    this.#tat.set(key, tat);
    let checked = 0;
    for (const [stale, value] of this.#tat) {
      if (checked++ >= PRUNE_PER_SPEND || !isFull(value, at)) break;
      this.#tat.delete(stale);
    }
  }

  /** 0 when `cost` tokens are there at `now`, otherwise how long until they are. */
  waitFor(key: string, cost: number, now: number): number {
    const outcome = takeTokens(this.#tat.get(key) ?? 0, now, cost, this.rate);
    return outcome.ok ? 0 : outcome.retryAfterMs;
  }
}
