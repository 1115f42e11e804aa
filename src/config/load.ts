/**
 * Loading `config.yml`: read → YAML (syntax, duplicate keys, flow sequences) → schema (validated
 * once) → normalised `CerteasyConfig`. Every user mistake surfaces as one `ConfigError` listing
 * all issues found at the stage that failed; nothing here prints or exits.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "./errors.js";
import type { ConfigIssue } from "./errors.js";
import { toConfigIssues } from "./issues.js";
import { normaliseConfig } from "./normalise.js";
import { configSchema } from "./schema.js";
import type { CerteasyConfig } from "./types.js";
import { parseYaml } from "./yaml.js";

/**
 * Loads and validates a config file. `file` is reported as given in messages; `%CONFIGDIR%` is
 * its directory, resolved against the current directory if the path is relative.
 */
export function loadConfig(file: string): CerteasyConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new ConfigError([{ file, path: "", message: `cannot read the configuration file (${describeReadError(reason)})` }]);
  }
  return parseConfigText(text, file);
}

/** Validates config text as if read from `file` (used by `loadConfig` and by tests). */
export function parseConfigText(text: string, file: string): CerteasyConfig {
  const yaml = parseYaml(text, file);
  if (!yaml.ok) throw new ConfigError(yaml.issues);
  const parsed = configSchema.safeParse(yaml.value);
  if (parsed.success && yaml.issues.length === 0) return normaliseConfig(parsed.data, resolve(file));
  const schemaIssues = parsed.success ? [] : toConfigIssues(parsed.error.issues, file);
  throw new ConfigError([...yaml.issues, ...schemaIssues.filter((issue) => !isInside(issue, yaml.issues))]);
}

/**
 * A flow sequence's items are not checked one by one: `url: [a, b]` is one mistake, reported
 * once as "use '-' items", not again for every item.
 */
function isInside(issue: ConfigIssue, yamlIssues: readonly ConfigIssue[]): boolean {
  return yamlIssues.some((outer) => outer.path !== "" && issue.path.startsWith(`${outer.path}.`));
}

function describeReadError(code: string): string {
  switch (code) {
    case "ENOENT":
      return "no such file";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "it is a directory";
    default:
      return code;
  }
}
