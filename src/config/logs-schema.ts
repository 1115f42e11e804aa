/**
 * The `logs` section (behaviour reference §4.3 and §10.1). Per-service levels may only name the
 * registered services: since 0.9.5 an unknown name stops startup, because a misspelt service
 * would otherwise silently keep the global level.
 */
import { z } from "zod";
import { LOG_SERVICES, isServiceName } from "../log/services.js";
import { DEFAULTS } from "./defaults.js";
import { describeValue } from "./errors.js";
import { anchoredPath, field, maybeField, oneOf, optionalField } from "./fields.js";
import type { Check } from "./fields.js";

export const LOG_LEVELS = ["debug", "info", "warn", "error", "off", "none"] as const;

/**
 * Tag names pino or Certeasy already write on every line: a tag with one of these names would
 * overwrite it and make lines unreadable, so it is refused.
 */
export const RESERVED_TAGS = ["level", "time", "msg", "pid", "hostname", "service", "err"] as const;

const level = oneOf(LOG_LEVELS);

const tagValue: Check<string> = (value) =>
  typeof value === "string" || typeof value === "number" || typeof value === "boolean"
    ? { ok: true, value: String(value) }
    : `expected a text, number or boolean label, got ${describeValue(value)}`;

/** A mapping of free keys to `value`; `null` (an empty `services:`) counts as no entries. */
function mapping<T extends z.ZodType>(value: T, what: string) {
  const record = z.record(z.string(), value, {
    error: (issue) => `expected a mapping of ${what}, got ${describeValue(issue.input)}`,
  });
  return z.preprocess((v) => (v === null ? undefined : v), record.optional());
}

const services = mapping(field(level), "service names to levels").superRefine(
  (entries, ctx) => {
    for (const name of Object.keys(entries ?? {})) {
      if (isServiceName(name)) continue;
      ctx.addIssue({
        code: "custom",
        path: [name],
        message: `unknown service; expected one of: ${LOG_SERVICES.join(", ")}`,
      });
    }
  },
  // Report unknown names even when a level next to them is also wrong.
  { when: (payload) => typeof payload.value === "object" && payload.value !== null },
);

const tags = mapping(field(tagValue), "tag names to labels").superRefine((entries, ctx) => {
  for (const name of Object.keys(entries ?? {})) {
    if (!(RESERVED_TAGS as readonly string[]).includes(name)) continue;
    ctx.addIssue({
      code: "custom",
      path: [name],
      message: `expected a tag name other than ${RESERVED_TAGS.join(", ")} (those fields are written on every line already), got ${JSON.stringify(name)}`,
    });
  }
});

export const logsShape = {
  level: optionalField(level, DEFAULTS.logs.level),
  format: optionalField(oneOf(["json", "text"]), DEFAULTS.logs.format),
  output: optionalField(oneOf(["stderr", "stdout", "file"]), DEFAULTS.logs.output),
  file: maybeField(anchoredPath("%WORKDIR%")),
  services,
  tags,
};

type ParsedLogs = z.output<z.ZodObject<typeof logsShape>>;

/** `logs.file` goes with `output: file`, and only with it. */
export function checkLogOutput(logs: ParsedLogs, ctx: z.RefinementCtx): void {
  if (logs.output === "file" && logs.file === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["file"],
      message: "expected a log file path when output is file, got nothing (the key is missing)",
    });
  }
  if (logs.output !== "file" && logs.file !== undefined) {
    // Refused rather than ignored: the user would look for lines in a file that stays empty.
    ctx.addIssue({
      code: "custom",
      path: ["file"],
      message: `expected no file when output is ${logs.output} (set output: file to write there), got ${describeValue(logs.file)}`,
    });
  }
}
