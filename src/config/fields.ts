/**
 * Building blocks of the config schema. Each field checks one YAML value and, when it is wrong,
 * says what was expected and what was found (`expected host:port, got "abc"`), so every message
 * the user sees is written here rather than by zod's generic error map.
 */
import { z } from "zod";
import { DURATION_HINT, parseDuration } from "./duration.js";
import { describeValue } from "./errors.js";
import { pathProblem } from "./paths.js";
import type { PathAnchor } from "./paths.js";

export type Check<T> = (value: unknown) => { readonly ok: true; readonly value: T } | string;

const accept = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });

function checked<T>(input: z.ZodType, check: Check<T>) {
  return input.transform((value, ctx): T => {
    const outcome = check(value);
    if (typeof outcome === "string") {
      ctx.addIssue({ code: "custom", message: outcome, input: value });
      return z.NEVER;
    }
    return outcome.value;
  });
}

/** A required field: the check also sees `undefined` and reports the missing key. */
export function field<T>(check: Check<T>) {
  return checked(z.unknown(), check);
}

/** A field that takes `fallback` when the key is absent (an explicit empty value is an error). */
export function optionalField<T>(check: Check<T>, fallback: T) {
  // `.optional()` on the input tells the object parser an absent key is allowed; the check
  // then substitutes the default, so the output type stays non-optional.
  return checked(z.unknown().optional(), (value) => (value === undefined ? accept(fallback) : check(value)));
}

/** A field that is `undefined` when the key is absent (its default depends on other keys). */
export function maybeField<T>(check: Check<T>) {
  return field(check).optional();
}

export const bool: Check<boolean> = (value) =>
  typeof value === "boolean" ? accept(value) : `expected true or false, got ${describeValue(value)}`;

export function oneOf<const T extends string>(values: readonly T[]): Check<T> {
  return (value) =>
    typeof value === "string" && (values as readonly string[]).includes(value)
      ? accept(value as T)
      : `expected one of ${values.join(", ")}, got ${describeValue(value)}`;
}

/**
 * A whole number ≥ `min`. `zeroReason` explains why an explicit 0 is refused where 0 would
 * silently switch a protection off (behaviour reference §4.1, since 0.9.4).
 */
export function wholeNumber(unit: string, min: number, zeroReason?: string): Check<number> {
  return (value) => {
    if (typeof value === "number" && Number.isSafeInteger(value) && value >= min) {
      return accept(value);
    }
    const expected = `expected a whole number of ${unit}${min > 0 ? ` of at least ${min}` : ""}`;
    if (value === 0 && zeroReason !== undefined) return `${expected}, got 0 (${zeroReason})`;
    return `${expected}, got ${describeValue(value)}`;
  };
}

/** A TCP port a validator connects to: 1..65535 (0 names no port a client could listen on). */
export const portNumber: Check<number> = (value) =>
  typeof value === "number" && Number.isInteger(value) && value >= 1 && value <= 65_535
    ? accept(value)
    : `expected a port number from 1 to 65535, got ${describeValue(value)}`;

/** `allowZero`: `0` is accepted and means "disabled" (e.g. `database.conn-max-lifetime`). */
export function duration(options: { readonly allowZero: boolean; readonly zeroReason?: string }): Check<number> {
  return (value) => {
    const expected = options.allowZero ? `expected ${DURATION_HINT}, or 0 to disable` : `expected ${DURATION_HINT}`;
    if (typeof value === "number") {
      if (value === 0 && options.allowZero) return accept(0);
      if (value === 0) return `${expected}, got 0 (${options.zeroReason ?? "an explicit 0 is refused"})`;
      return `${expected} (a number needs a unit), got ${value}`;
    }
    if (typeof value !== "string") return `${expected}, got ${describeValue(value)}`;
    const ms = parseDuration(value.trim());
    if (ms === undefined) return `${expected}, got ${describeValue(value)}`;
    if (ms === 0 && !options.allowZero) {
      return `${expected}, got ${describeValue(value)} (${options.zeroReason ?? "an explicit 0 is refused"})`;
    }
    return accept(ms);
  };
}

/** A path that must be absolute or start with `anchor`; resolved later, in normalise. */
export function anchoredPath(anchor: PathAnchor): Check<string> {
  return (value) => {
    if (typeof value !== "string") {
      return `expected an absolute path or one starting with ${anchor}/, got ${describeValue(value)}`;
    }
    const problem = pathProblem(value, anchor);
    return problem === undefined ? accept(value) : problem;
  };
}

/** A value another parser recognises, e.g. `host:port` or a CIDR. */
export function parsedText<T>(expected: string, parse: (text: string) => T | undefined): Check<T> {
  return (value) => {
    const parsed = typeof value === "string" ? parse(value.trim()) : undefined;
    return parsed === undefined ? `expected ${expected}, got ${describeValue(value)}` : accept(parsed);
  };
}

/** A block sequence of `item`s; `min` items at least. */
export function list<T extends z.ZodType>(item: T, what: string, min: number) {
  const expected = `expected a list of ${what} (use '-' items)`;
  return z
    .array(item, { error: (issue) => `${expected}, got ${describeValue(issue.input)}` })
    .min(min, { error: `${expected} with at least ${min} item${min === 1 ? "" : "s"}, got none` });
}

/** A mapping with the keys of `shape` only: any other key is an error naming the known ones. */
export function section<S extends z.core.$ZodLooseShape>(shape: S) {
  const known = Object.keys(shape).join(", ");
  const strict = z.strictObject(shape, {
    error: (issue) =>
      issue.code === "unrecognized_keys"
        ? `unknown key; expected one of: ${known}`
        : `expected a mapping with keys ${known}, got ${describeValue(issue.input)}`,
  });
  // An empty section (`audit:` with nothing under it) means "all defaults", as in the product.
  return z.preprocess((value) => (value === null || value === undefined ? {} : value), strict);
}
