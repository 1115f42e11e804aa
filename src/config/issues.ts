/**
 * zod issues → `ConfigIssue`s: one issue per offending key, named by its dotted path. An unknown
 * key that belongs to a later Certeasy step gets a message saying so instead of "unknown key".
 */
import type { z } from "zod";
import { renderPath } from "./errors.js";
import type { ConfigIssue } from "./errors.js";
import { NOT_YET_SUPPORTED } from "./schema.js";

export function toConfigIssues(issues: readonly z.core.$ZodIssue[], file: string): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    if (issue.code !== "unrecognized_keys") {
      out.push({ file, path: renderPath(issue.path), message: issue.message });
      continue;
    }
    const section = renderPath(issue.path);
    for (const key of issue.keys) {
      out.push({ file, path: renderPath([...issue.path, key]), message: unknownKeyMessage(section, key, issue.message) });
    }
  }
  return out;
}

function unknownKeyMessage(section: string, key: string, fallback: string): string {
  if (!(NOT_YET_SUPPORTED[section] ?? []).includes(key)) return fallback;
  const what = section === "" ? `section "${key}"` : `key "${section}.${key}"`;
  return `${what} is not supported by this version of Certeasy yet; remove it for now`;
}
