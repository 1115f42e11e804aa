/**
 * Rolling windows per key: the instants something happened (a certificate issued, a validation
 * failed), of which only those younger than `windowMs` count. Part of the event-derived state,
 * so it is updated from events in log order and queried with `now`. Memory stays bounded by what
 * happened within one window: each append trims its own key, and keys whose newest entry has
 * left the window are dropped from the least recently appended end.
 */
export interface Timed {
  /** ms since the epoch */
  readonly t: number;
}

/** Keys checked for staleness per append: constant work per event. */
const PRUNE_PER_APPEND = 4;

export class TimeWindows<E extends Timed> {
  readonly #byKey = new Map<string, E[]>();

  constructor(readonly windowMs: number) {}

  get keys(): number {
    return this.#byKey.size;
  }

  /** Record `entry` under `key`, at log time `at` (which also drives the pruning). */
  add(key: string, entry: E, at: number): void {
    const kept = this.#alive(this.#byKey.get(key) ?? [], at);
    // Entries arrive nearly in time order (log order); insert from the back to keep them sorted.
    let index = kept.length;
    while (index > 0 && (kept[index - 1] as E).t > entry.t) index--;
    kept.splice(index, 0, entry);
    this.#byKey.delete(key);
    this.#byKey.set(key, kept);
    this.#prune(at);
  }

  /** Remove the entries of `key` that `match` (a revoked certificate frees its slot). */
  remove(key: string, match: (entry: E) => boolean): void {
    const entries = this.#byKey.get(key);
    if (entries === undefined) return;
    const kept = entries.filter((entry) => !match(entry));
    if (kept.length === 0) this.#byKey.delete(key);
    else this.#byKey.set(key, kept);
  }

  /** The entries of `key` still inside the window at `now`, oldest first. */
  inWindow(key: string, now: number): readonly E[] {
    return this.#alive(this.#byKey.get(key) ?? [], now);
  }

  /**
   * With `max` allowed per window: 0 when another may happen at `now`, otherwise how long
   * until enough entries have left the window for one more.
   */
  waitForRoom(key: string, max: number, now: number): number {
    const entries = this.inWindow(key, now);
    if (entries.length < max) return 0;
    // The entry whose departure brings the count down to max − 1.
    const leaving = entries[entries.length - max] as E;
    return leaving.t + this.windowMs - now;
  }

  #alive(entries: E[], now: number): E[] {
    const from = entries.findIndex((entry) => entry.t > now - this.windowMs);
    if (from === 0) return entries;
    return from === -1 ? [] : entries.slice(from);
  }

  #prune(at: number): void {
    let checked = 0;
    for (const [key, entries] of this.#byKey) {
      if (checked++ >= PRUNE_PER_APPEND) return;
      const newest = entries[entries.length - 1];
      if (newest !== undefined && newest.t > at - this.windowMs) return;
      this.#byKey.delete(key);
    }
  }
}
