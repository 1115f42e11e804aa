/**
 * A bounded table of per-key state for the limiters kept only in memory (global, abuse). A
 * flood of distinct source addresses must not grow memory without bound, so the table holds at
 * most `capacity` keys. It is two generations of half the capacity each: keys are written to
 * the young one; when it is full it becomes the old one, keeping only its entries that still
 * carry something (a bucket not yet full again, an address still marked), and the previous old
 * generation is dropped. A key read from the old generation moves to the young one. Every
 * operation is O(1) amortised, with no scan from the front of a Map (whose deleted slots make
 * such scans quadratic under a flood), and what is forgotten is what was touched least recently.
 */
export const DEFAULT_MAX_KEYS = 100_000;

export class KeyTable<V> {
  #young = new Map<string, V>();
  #old = new Map<string, V>();
  readonly #generation: number;

  constructor(
    readonly capacity: number,
    /** true when the entry carries nothing at `now` and may be forgotten */
    private readonly isIdle: (value: V, now: number) => boolean,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 2) throw new RangeError(`key table capacity must be a whole number ≥ 2, got ${capacity}`);
    this.#generation = Math.floor(capacity / 2);
  }

  get size(): number {
    return this.#young.size + this.#old.size;
  }

  get(key: string): V | undefined {
    return this.#young.get(key) ?? this.#old.get(key);
  }

  set(key: string, value: V, now: number): void {
    this.#old.delete(key);
    this.#young.set(key, value);
    if (this.#young.size < this.#generation) return;
    const kept = new Map<string, V>();
    for (const [k, v] of this.#young) if (!this.isIdle(v, now)) kept.set(k, v);
    this.#old = kept;
    this.#young = new Map();
  }

  delete(key: string): void {
    this.#young.delete(key);
    this.#old.delete(key);
  }
}
