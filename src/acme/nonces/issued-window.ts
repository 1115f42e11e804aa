/**
 * The bounded memory behind single-use nonces: one bit per recently issued counter.
 *
 * Nonce counters grow by one per issue. The window remembers, for the last `size` counters, whether
 * each one is still unused; bit `counter mod size` is that counter's slot. Issuing counter `n`
 * overwrites the slot of `n - size`, which silently falls out of the window and is refused from
 * then on. Memory is therefore `size / 8` bytes for the life of the process, however many nonces
 * a client asks for (issue 5: "a client that asks for a million nonces cannot exhaust memory").
 *
 * Pure: no clock, no crypto. Counters start at 1 so 0 can never be in the window.
 */

export type WindowLookup = "unused" | "used" | "evicted" | "never-issued";

export class IssuedWindow {
  readonly size: number;
  readonly #mask: number;
  readonly #bits: Uint32Array;
  #highest = 0;

  /** `size` must be a power of two (slot = counter & mask) and a multiple of 32. */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 32 || (size & (size - 1)) !== 0) {
      throw new RangeError(`nonce window size must be a power of two >= 32, got ${size}`);
    }
    this.size = size;
    this.#mask = size - 1;
    this.#bits = new Uint32Array(size / 32);
  }

  /** Bytes held by the window: constant for the life of the instance. */
  get byteLength(): number {
    return this.#bits.byteLength;
  }

  /** The last counter issued (0 before the first issue). */
  get highest(): number {
    return this.#highest;
  }

  /** Allocates the next counter and marks it unused, evicting the counter `size` behind it. */
  issueNext(): number {
    const counter = ++this.#highest;
    const slot = counter & this.#mask;
    this.#bits[slot >>> 5]! |= 1 << (slot & 31);
    return counter;
  }

  lookup(counter: number): WindowLookup {
    if (!Number.isSafeInteger(counter) || counter < 1 || counter > this.#highest) return "never-issued";
    if (counter <= this.#highest - this.size) return "evicted";
    const slot = counter & this.#mask;
    return (this.#bits[slot >>> 5]! & (1 << (slot & 31))) !== 0 ? "unused" : "used";
  }

  /** Marks an unused counter as used; returns what it was before. Atomic: JS is single-threaded. */
  take(counter: number): WindowLookup {
    const state = this.lookup(counter);
    if (state === "unused") {
      const slot = counter & this.#mask;
      this.#bits[slot >>> 5]! &= ~(1 << (slot & 31));
    }
    return state;
  }
}
