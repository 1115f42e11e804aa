/**
 * A per-key token bucket kept in memory: the `global` limiter (reference §7, every request from
 * an address, checked before any cryptography). Request counts are not events, so a restart
 * refills these buckets; that is the product's behaviour and costs an attacker nothing it could
 * not get by waiting a few seconds.
 */
import { isFull, takeTokens, type BucketRate } from "./gcra.js";
import { KeyTable } from "./key-table.js";

export type TakeOutcome = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export class RequestBuckets {
  readonly #table: KeyTable<number>;

  constructor(
    readonly rate: BucketRate,
    maxKeys: number,
  ) {
    this.#table = new KeyTable<number>(maxKeys, isFull);
  }

  get size(): number {
    return this.#table.size;
  }

  take(key: string, now: number, cost = 1): TakeOutcome {
    const outcome = takeTokens(this.#table.get(key) ?? 0, now, cost, this.rate);
    if (!outcome.ok) return outcome;
    this.#table.set(key, outcome.tat, now);
    return { ok: true };
  }
}
