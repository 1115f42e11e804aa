/**
 * A binary min-heap of entries by `expiresAt`, each entry remembering its own slot so that one
 * leaving early (an order finalized before it expires) is removed in O(log n) instead of lying in
 * the heap until its time comes. Expiries are nearly but not strictly in creation order (the
 * order lifetime is configuration and may change between boots), so a queue in insertion order
 * would not do.
 */
export interface ExpiryEntry {
  readonly expiresAt: number;
  /** position in the heap's array; -1 when not in a heap. Written by the heap only. */
  slot: number;
}

export class ExpiryHeap<E extends ExpiryEntry> {
  readonly #entries: E[] = [];

  get size(): number {
    return this.#entries.length;
  }

  /** The entry that expires first, if any. */
  peek(): E | undefined {
    return this.#entries[0];
  }

  push(entry: E): void {
    entry.slot = this.#entries.length;
    this.#entries.push(entry);
    this.#up(entry.slot);
  }

  /** Removes the entry if it is in this heap; a no-op otherwise. */
  remove(entry: E): void {
    const at = entry.slot;
    if (at < 0 || this.#entries[at] !== entry) return;
    const last = this.#entries.pop() as E;
    entry.slot = -1;
    if (last === entry) return;
    this.#entries[at] = last;
    last.slot = at;
    this.#down(at);
    this.#up(last.slot);
  }

  #up(from: number): void {
    const entries = this.#entries;
    let at = from;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (entries[parent]!.expiresAt <= entries[at]!.expiresAt) return;
      this.#swap(at, parent);
      at = parent;
    }
  }

  #down(from: number): void {
    const entries = this.#entries;
    let at = from;
    for (;;) {
      const left = 2 * at + 1;
      const right = left + 1;
      let least = at;
      if (left < entries.length && entries[left]!.expiresAt < entries[least]!.expiresAt) least = left;
      if (right < entries.length && entries[right]!.expiresAt < entries[least]!.expiresAt) least = right;
      if (least === at) return;
      this.#swap(at, least);
      at = least;
    }
  }

  #swap(a: number, b: number): void {
    const entries = this.#entries;
    const x = entries[a]!;
    const y = entries[b]!;
    entries[a] = y;
    entries[b] = x;
    y.slot = a;
    x.slot = b;
  }
}
