/**
 * The one error type of the configuration loader. Every user mistake — an unreadable file,
 * broken YAML, an unknown key, a wrong value — ends up here as a list of issues, so startup and
 * `certeasy validate` can print all of them at once, one line each, without a stack trace.
 */

export interface ConfigIssue {
  /** the configuration file, as the user named it */
  readonly file: string;
  /** dotted key path such as `server.shutdown-timeout` or `server.url.0`; "" for the whole file */
  readonly path: string;
  /** what was expected and what was found */
  readonly message: string;
  /** 1-based position in the file, when the YAML parser knows it */
  readonly line?: number;
  readonly column?: number;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(renderIssue).join("\n"));
    this.issues = issues;
  }
}

/** `config.yml: server.listen: expected host:port, got "abc"` */
export function renderIssue(issue: ConfigIssue): string {
  if (issue.path !== "") return `${issue.file}: ${issue.path}: ${issue.message}`;
  if (issue.line !== undefined) {
    return `${issue.file}: line ${issue.line}, column ${issue.column ?? 1}: ${issue.message}`;
  }
  return `${issue.file}: ${issue.message}`;
}

/**
 * Renders a key path the way the user wrote it in YAML: `server.url.0`. A key that could not be
 * read back from the plain form — empty, or holding a dot, spaces, quotes or invisible/control
 * characters (a zero-width space, an RTL override) — is shown JSON-quoted, so every message
 * still names its key.
 */
export function renderPath(path: readonly PropertyKey[]): string {
  return path.map((segment) => renderSegment(String(segment))).join(".");
}

const UNREADABLE_KEY = /^$|[\s."\\\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/u;

function renderSegment(segment: string): string {
  return UNREADABLE_KEY.test(segment) ? JSON.stringify(segment) : segment;
}

/** Describes a found value for "got …" in messages, without dumping whole sections. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing (the key is missing)";
  if (value === null) return "an empty value";
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return typeof value;
}
