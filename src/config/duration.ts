/**
 * Durations as Certeasy configuration files write them: a number followed by a unit, possibly
 * chained (`500ms`, `30s`, `2m`, `720h`, `1h30m`, `1.5s`). A bare `0` (or `"0"`) is the one
 * unit-less value accepted, because `0` is how the product spells "disabled" for the keys that
 * allow it. Pure: no I/O, no clock.
 */

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const;
type Unit = keyof typeof UNIT_MS;

const WHOLE = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/;
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

export const DURATION_HINT = "a duration such as 500ms, 30s, 2m or 720h";

/**
 * Milliseconds for a duration text, or `undefined` when the text is not a duration or is not a
 * whole number of milliseconds (sub-millisecond precision has no meaning for any timeout here).
 */
export function parseDuration(text: string): number | undefined {
  if (text === "0") return 0;
  if (!WHOLE.test(text)) return undefined;
  let total = 0;
  for (const match of text.matchAll(PART)) {
    const amount = Number(match[1]);
    total += amount * UNIT_MS[match[2] as Unit];
  }
  // 1.5s is fine, 0.5ms is not: round away float noise, then insist on whole milliseconds.
  const rounded = Math.round(total * 1_000) / 1_000;
  if (!Number.isInteger(rounded) || !Number.isSafeInteger(rounded)) return undefined;
  return rounded;
}

/** Renders milliseconds back in the largest exact unit, for messages: 30000 → "30s". */
export function formatDuration(ms: number): string {
  if (ms === 0) return "0";
  for (const unit of ["h", "m", "s"] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}
