/**
 * Building outcomes, and quoting what a remote server sent in a way that is safe to put in a
 * problem detail (bounded length, control characters escaped).
 */
import type { ValidationOutcome, ValidationProblemType } from "./types.js";

export function valid(address: string | null): ValidationOutcome {
  return { status: "valid", address };
}

export function invalid(type: ValidationProblemType, detail: string, address: string | null = null): ValidationOutcome {
  return { status: "invalid", problem: { type, detail }, address };
}

const QUOTE_LIMIT = 64;
// C0 and C1 controls, DEL, and the two JavaScript line separators: they would break a log line
// or a terminal if echoed raw.
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `"abc"` with at most 64 characters shown, unprintables as `\u00XX`, and `…` if cut. */
export function quote(text: string, limit = QUOTE_LIMIT): string {
  const chars = Array.from(text);
  const shown = chars.slice(0, limit).join("");
  const escaped = shown
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(UNPRINTABLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return `"${escaped}"${chars.length > limit ? "…" : ""}`;
}

/** At most `limit` items, then "and N more". */
export function listSome(items: readonly string[], limit: number): string {
  const shown = items.slice(0, limit).join(", ");
  return items.length > limit ? `${shown} and ${items.length - limit} more` : shown;
}
