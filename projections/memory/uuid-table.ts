/**
 * A map from a UUID to a number and a reference, for the in-memory projections that keep one
 * entry per certificate (the duplicate-certificate window, the license's managed servers). A
 * `Map<string, …>` keyed by the 36-character id costs about 100 bytes an entry (the string, the
 * map's entry and hash slot, a boxed number); here an entry is the id's 128 bits and the value
 * in typed arrays — 16 + 8 bytes, a 4-byte reference and a byte, 29 bytes a slot, at a load of
 * ⅜ to ¾: 39 to 77 bytes an entry.
 *
 * Open addressing with linear probing over a power-of-two capacity. Entries whose `isDead(value,
 * at)` holds are swept in bulk when the table would grow — there is no per-entry timer — so a
 * dead entry is never looked at again by the caller's decisions (they ignore it already) and the
 * table holds what was alive at the last sweep. A deletion shifts the following entries of its
 * cluster back, so there are no tombstones.
 *
 * The id is read as its 32 hex digits, case-insensitively: the server mints lowercase ids
 * (randomUUID) and events repeat them as written, so two ids that differ only in case never meet.
 */
import { hexDigit } from "./hex-digits.js";

const MIN_CAPACITY = 16;

export class UuidTable<R> {
  #capacity = MIN_CAPACITY;
  #size = 0;
  /** 4 words per slot: the id's 128 bits */
  #ids = new Uint32Array(MIN_CAPACITY * 4);
  /** 1 when the slot holds an entry */
  #used = new Uint8Array(MIN_CAPACITY);
  #values = new Float64Array(MIN_CAPACITY);
  #refs: (R | undefined)[] = new Array<R | undefined>(MIN_CAPACITY).fill(undefined);
  readonly #word = new Uint32Array(4);

  constructor(
    /** true when an entry no longer matters at `at` and may be swept */
    private readonly isDead: (value: number, at: number) => boolean,
  ) {}

  get size(): number {
    return this.#size;
  }

  /** The slot of `id`, or -1. Valid until the next `set` or `deleteSlot`. */
  find(id: string): number {
    this.#parse(id);
    return this.#findParsed();
  }

  value(slot: number): number {
    return this.#values[slot] as number;
  }

  ref(slot: number): R {
    return this.#refs[slot] as R;
  }

  /** Record `id` (or overwrite it) at log time `at`, which decides what a sweep drops. */
  set(id: string, value: number, ref: R, at: number): void {
    this.#parse(id);
    let slot = this.#findParsed();
    if (slot === -1) {
      if ((this.#size + 1) * 4 > this.#capacity * 3) {
        this.#rebuild(at);
        this.#parse(id);
      }
      slot = this.#emptySlotFor();
      this.#ids.set(this.#word, slot * 4);
      this.#used[slot] = 1;
      this.#size++;
    }
    this.#values[slot] = value;
    this.#refs[slot] = ref;
  }

  /** Remove the entry in `slot` (from `find`). */
  deleteSlot(slot: number): void {
    const mask = this.#capacity - 1;
    this.#used[slot] = 0;
    this.#refs[slot] = undefined;
    this.#size--;
    // Backward-shift deletion: move back each following entry of the cluster that may sit in
    // the freed slot (its home is not cyclically within (hole, here]).
    let hole = slot;
    for (let i = (slot + 1) & mask; this.#used[i] === 1; i = (i + 1) & mask) {
      const home = this.#home(i * 4);
      const between = hole <= i ? home > hole && home <= i : home > hole || home <= i;
      if (between) continue;
      this.#ids.copyWithin(hole * 4, i * 4, i * 4 + 4);
      this.#values[hole] = this.#values[i] as number;
      this.#refs[hole] = this.#refs[i];
      this.#used[hole] = 1;
      this.#used[i] = 0;
      this.#refs[i] = undefined;
      hole = i;
    }
  }

  #findParsed(): number {
    const mask = this.#capacity - 1;
    const w = this.#word;
    for (let i = this.#homeOf(w[0] as number, w[3] as number) & mask; this.#used[i] === 1; i = (i + 1) & mask) {
      const o = i * 4;
      if (this.#ids[o] === w[0] && this.#ids[o + 1] === w[1] && this.#ids[o + 2] === w[2] && this.#ids[o + 3] === w[3]) return i;
    }
    return -1;
  }

  #emptySlotFor(): number {
    const mask = this.#capacity - 1;
    let i = this.#homeOf(this.#word[0] as number, this.#word[3] as number) & mask;
    while (this.#used[i] === 1) i = (i + 1) & mask;
    return i;
  }

  #home(offset: number): number {
    return this.#homeOf(this.#ids[offset] as number, this.#ids[offset + 3] as number) & (this.#capacity - 1);
  }

  /** UUIDv7 begins with a millisecond clock: mix in the random last word too. */
  #homeOf(first: number, last: number): number {
    return Math.imul(last ^ Math.imul(first, 0x9e3779b1), 0x85ebca6b) >>> 0;
  }

  /** Sweep the dead entries, then size the table for what is left at a load of at most ⅜. */
  #rebuild(at: number): void {
    const { isDead } = this;
    const [ids, used, values, refs, capacity] = [this.#ids, this.#used, this.#values, this.#refs, this.#capacity];
    let alive = 0;
    for (let i = 0; i < capacity; i++) if (used[i] === 1 && !isDead(values[i] as number, at)) alive++;
    let next = MIN_CAPACITY;
    while (alive * 8 > next * 3) next *= 2;
    this.#capacity = next;
    this.#ids = new Uint32Array(next * 4);
    this.#used = new Uint8Array(next);
    this.#values = new Float64Array(next);
    this.#refs = new Array<R | undefined>(next).fill(undefined);
    this.#size = 0;
    for (let i = 0; i < capacity; i++) {
      if (used[i] !== 1 || isDead(values[i] as number, at)) continue;
      this.#word.set(ids.subarray(i * 4, i * 4 + 4));
      const slot = this.#emptySlotFor();
      this.#ids.set(this.#word, slot * 4);
      this.#used[slot] = 1;
      this.#values[slot] = values[i] as number;
      this.#refs[slot] = refs[i];
      this.#size++;
    }
  }

  /** The id's 32 hex digits as 4 words, hyphens skipped (8-4-4-4-12). */
  #parse(id: string): void {
    if (id.length !== 36 || id[8] !== "-" || id[13] !== "-" || id[18] !== "-" || id[23] !== "-") throw new TypeError(`not a UUID: ${id}`);
    let word = 0;
    let digits = 0;
    for (let i = 0; i < 36; i++) {
      if (i === 8 || i === 13 || i === 18 || i === 23) continue;
      const value = hexDigit(id, i);
      if (value === -1) throw new TypeError(`not a UUID: ${id}`);
      word = word * 16 + value;
      if (++digits % 8 === 0) {
        this.#word[digits / 8 - 1] = word;
        word = 0;
      }
    }
  }
}
