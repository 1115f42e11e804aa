/**
 * The `abuse` limiter (reference §7, new in 0.9.4): each address collects weighted abuse
 * points — 1 for a bad signature or for acting on another account's object, ¼ for an
 * identifier that does not exist — which drain at `recovery-per-minute`. Reaching
 * `abuses-before-block` marks the address, and a marked address is refused everything until its
 * points have drained to zero: 10 points at 20 a minute is the product's "back to normal in
 * about 30s". Holding the mark until zero, rather than until just below the threshold, keeps a
 * persistent prober from getting one free try every few seconds. In memory, bounded.
 */
import { wholeMs } from "./gcra.js";
import { KeyTable } from "./key-table.js";

interface AbuseLevel {
  /** points at `at` */
  readonly points: number;
  readonly at: number;
  readonly marked: boolean;
}

export type AbuseCheck = { readonly ok: true } | { readonly ok: false; readonly retryAfterMs: number };

export class AbuseMarker {
  readonly #table: KeyTable<AbuseLevel>;
  /** points drained per millisecond */
  readonly #drainPerMs: number;

  constructor(
    readonly abusesBeforeBlock: number,
    recoveryPerMinute: number,
    maxKeys: number,
  ) {
    this.#drainPerMs = recoveryPerMinute / 60_000;
    this.#table = new KeyTable<AbuseLevel>(maxKeys, (level, now) => this.#pointsAt(level, now) === 0);
  }

  get size(): number {
    return this.#table.size;
  }

  /** Add `weight` points (0 is a no-op: badNonce, expired objects, policy refusals). */
  record(key: string, weight: number, now: number): void {
    if (!Number.isFinite(weight) || weight < 0) throw new RangeError(`an abuse weight is a number ≥ 0, got ${weight}`);
    if (weight === 0) return;
    const previous = this.#table.get(key);
    const points = (previous === undefined ? 0 : this.#pointsAt(previous, now)) + weight;
    const marked = (previous !== undefined && previous.marked && this.#pointsAt(previous, now) > 0) || points >= this.abusesBeforeBlock;
    this.#table.set(key, { points, at: now, marked }, now);
  }

  check(key: string, now: number): AbuseCheck {
    const level = this.#table.get(key);
    if (level === undefined || !level.marked) return { ok: true };
    const points = this.#pointsAt(level, now);
    if (points === 0) {
      this.#table.delete(key);
      return { ok: true };
    }
    return { ok: false, retryAfterMs: wholeMs(points / this.#drainPerMs) };
  }

  #pointsAt(level: AbuseLevel, now: number): number {
    const points = level.points - Math.max(0, now - level.at) * this.#drainPerMs;
    // Float noise (10 − 30000 × 1/3000) must not keep an address marked for 0 more ms.
    return points < 1e-9 ? 0 : points;
  }
}
