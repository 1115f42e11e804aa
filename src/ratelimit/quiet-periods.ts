/**
 * "Not again before": when each key may next be acted on, for the refusal recorders
 * (ratelimit.denied, license.denied) that write one event per key and period rather than one
 * per refused request. Bounded: past `max` keys, expired ones go first, then the oldest.
 */
export class QuietPeriods {
  readonly #until = new Map<string, number>();

  constructor(private readonly max = 10_000) {}

  /** true when `key` is not in a quiet period at `now`, which then starts one lasting `quietMs` */
  claim(key: string, now: number, quietMs: number): boolean {
    if ((this.#until.get(key) ?? 0) > now) return false;
    this.#until.set(key, now + quietMs);
    if (this.#until.size > this.max) {
      for (const [k, until] of this.#until) if (until <= now) this.#until.delete(k);
      if (this.#until.size > this.max) this.#until.delete(this.#until.keys().next().value ?? "");
    }
    return true;
  }
}
