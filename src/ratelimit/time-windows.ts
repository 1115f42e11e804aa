/**
 * Rolling windows per key: the instants something happened (a certificate issued, a validation
 * failed), of which only those younger than `windowMs` count — an instant `t` counts at `now`
 * while `t > now − windowMs`. Part of the event-derived state, so it is updated from events in
 * log order and queried with `now`. Memory stays bounded by what happened within one window:
 * each append trims its own key, and keys whose newest instant has left the window are dropped
 * from the least recently appended end.
 *
 * Compact on purpose (docs/reliability.md, "Per-name memory of the windows"): every new
 * certificate name adds a key, so a key holds its instants as one number while it has one (the
 * common case: a name certified once in the window) and as a sorted array of numbers (packed
 * doubles) beyond — no object per instant.
 */

/** Keys checked for staleness per append: constant work per event. */
const PRUNE_PER_APPEND = 4;

type Instants = number | number[];

const NONE: readonly number[] = [];

export class TimeWindows {
  readonly #byKey = new Map<string, Instants>();

  constructor(readonly windowMs: number) {}

  get keys(): number {
    return this.#byKey.size;
  }

  /** Record an instant `t` under `key`, at log time `at` (which also drives the pruning). */
  add(key: string, t: number, at: number): void {
    const held = this.#byKey.get(key);
    this.#byKey.delete(key);
    this.#byKey.set(key, this.#with(held, t, at));
    this.#prune(at);
  }

  /** Remove one instant `t` of `key` (a revoked certificate frees its slot); nothing when absent. */
  removeOne(key: string, t: number): void {
    const held = this.#byKey.get(key);
    if (held === undefined) return;
    if (typeof held === "number") {
      if (held === t) this.#byKey.delete(key);
      return;
    }
    const index = held.indexOf(t);
    if (index === -1) return;
    held.splice(index, 1);
    if (held.length === 1) this.#byKey.set(key, held[0] as number);
  }

  /** The instants of `key` still inside the window at `now`, oldest first. */
  inWindow(key: string, now: number): readonly number[] {
    const held = this.#byKey.get(key);
    if (held === undefined) return NONE;
    if (typeof held === "number") return this.#counts(held, now) ? [held] : NONE;
    const from = this.#firstAlive(held, now);
    return from === 0 ? held : held.slice(from);
  }

  /**
   * With `max` allowed per window: 0 when another may happen at `now`, otherwise how long
   * until enough instants have left the window for one more.
   */
  waitForRoom(key: string, max: number, now: number): number {
    const held = this.#byKey.get(key);
    if (held === undefined) return 0;
    if (typeof held === "number") return max <= 1 && this.#counts(held, now) ? held + this.windowMs - now : 0;
    const from = this.#firstAlive(held, now);
    const alive = held.length - from;
    if (alive < max) return 0;
    // The instant whose departure brings the count down to max − 1.
    return (held[held.length - max] as number) + this.windowMs - now;
  }

  #counts(t: number, now: number): boolean {
    return t > now - this.windowMs;
  }

  #firstAlive(held: readonly number[], now: number): number {
    let from = 0;
    while (from < held.length && !this.#counts(held[from] as number, now)) from++;
    return from;
  }

  /** `held` trimmed to the window at `at`, with `t` inserted in order. */
  #with(held: Instants | undefined, t: number, at: number): Instants {
    if (held === undefined) return t;
    if (typeof held === "number") {
      if (!this.#counts(held, at)) return t;
      return held <= t ? [held, t] : [t, held];
    }
    const from = this.#firstAlive(held, at);
    if (from > 0) held.splice(0, from);
    if (held.length === 0) return t;
    // Instants arrive nearly in time order (log order); insert from the back to keep them sorted.
    let index = held.length;
    while (index > 0 && (held[index - 1] as number) > t) index--;
    held.splice(index, 0, t);
    return held;
  }

  #prune(at: number): void {
    let checked = 0;
    for (const [key, held] of this.#byKey) {
      if (checked++ >= PRUNE_PER_APPEND) return;
      const newest = typeof held === "number" ? held : held[held.length - 1];
      if (newest !== undefined && this.#counts(newest, at)) return;
      this.#byKey.delete(key);
    }
  }
}
