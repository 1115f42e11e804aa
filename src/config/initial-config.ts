/**
 * The config.yml `certeasy init` writes: the few keys without a default (workdir, server.url)
 * and the database, with a pointer to config.example.yml for everything else. Pure: the
 * command asks or reads flags, then checks this text with the same loader `serve` uses.
 */
export type InitialDatabase = { readonly driver: "sqlite" } | { readonly driver: "postgres" | "sqlserver"; readonly dsn: string };

export interface InitialConfig {
  /** absolute, or `%CONFIGDIR%/…` */
  readonly workdir: string;
  /** the public https base URL */
  readonly url: string;
  /** `address:port` */
  readonly listen: string;
  readonly database: InitialDatabase;
}

/** JSON strings are valid YAML double-quoted scalars. */
const q = (value: string): string => JSON.stringify(value);

export function initialConfigText(config: InitialConfig, now: Date): string {
  const database =
    config.database.driver === "sqlite"
      ? ["  driver: sqlite", `  path: ${q("%WORKDIR%/db.sqlite")}`]
      : [`  driver: ${config.database.driver}`, `  dsn: ${q(config.database.dsn)}`];
  return [
    `# Written by \`certeasy init\` on ${now.toISOString()}. Every key, with its default, is`,
    "# documented in config.example.yml. Check a change with: certeasy validate -f <this file>",
    "",
    `# server_id, audit.log and the embedded CA live here${config.database.driver === "sqlite" ? ", and the SQLite database" : ""}.`,
    `workdir: ${q(config.workdir)}`,
    "",
    "server:",
    "  # Public https base URL(s) of this server, used in the directory and all object links.",
    "  url:",
    `    - ${q(config.url)}`,
    `  listen: ${q(config.listen)}`,
    "",
    "database:",
    ...database,
    "",
  ].join("\n");
}

/** Where to listen by default: loopback for a localhost URL, every address otherwise. */
export function defaultListen(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "0.0.0.0:8443";
  }
  const port = parsed.port || "443";
  return parsed.hostname === "localhost" || parsed.hostname === "127.0.0.1" ? `127.0.0.1:${port}` : `0.0.0.0:${port}`;
}
