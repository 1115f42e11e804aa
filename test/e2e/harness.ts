/**
 * One throw-away Certeasy installation per test: a temp workdir holding its config.yml, a free
 * loopback port, a database of its own (an SQLite file, or a PostgreSQL DATABASE created for it
 * and dropped afterwards), and the CLI run against it as child processes.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import postgres from "postgres";
import { Child, runCli, type CliResult } from "./children.js";
import { httpsGet } from "./https.js";
import { PG_ADMIN_DSN, pgDsn } from "./postgres.js";
import { licenseConfigYaml, licenseFile } from "../support/license.js";
import type { LicenseClaims } from "../../src/license/index.js";

export { killLeftoverChildren, REPO_ROOT, runCli, STACK_FRAME, type CliResult } from "./children.js";
export { httpsGet, connectOutcome, type HttpsResponse } from "./https.js";
export { postgresAvailability } from "./postgres.js";

export type Driver = "sqlite" | "postgres";

/** Raw SQL against the installation's database, as a DBA (or an attacker) would run it. */
export interface RawDatabase {
  query<T extends Record<string, unknown>>(statement: string): Promise<T[]>;
  exec(statement: string): Promise<void>;
}

export interface ServeProcess {
  /** the directory URL the server printed */
  readonly directoryUrl: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Send a signal and wait for the exit; `ms` is how long the exit took. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
  /** Wait until the server's stderr (its log) matches. */
  waitForLog(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Wait until the server's stdout matches (a standby prints the ACME banner once it took over). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<void>;
  /** Send a signal without waiting (SIGSTOP, SIGCONT, SIGKILL…). */
  signal(signal: NodeJS.Signals): void;
  /** resolves when the process has exited */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ServeOptions {
  readonly timeoutMs?: number;
  /**
   * Return as soon as the banner is printed, without the readiness probe. The probe is what an
   * orchestrator does before it sends traffic or signals; skipping it exposes what happens to a
   * signal sent the instant the banner appears.
   */
  readonly bannerOnly?: boolean;
  /** extra arguments after `serve -f <config>`, e.g. `--force-takeover` */
  readonly args?: readonly string[];
  /**
   * Start `serve --standby`: resolves once it printed "Standing by" (its listener answers 503
   * and /readyz is not ready until it takes over, so the readiness wait is skipped).
   */
  readonly standby?: boolean;
}

type DatabaseSpec = { readonly driver: "sqlite"; readonly path: string } | { readonly driver: "postgres"; readonly dsn: string };

export interface Installation {
  readonly driver: Driver;
  readonly workdir: string;
  readonly configPath: string;
  readonly port: number;
  /** `https://localhost:<port>/`, the node's own listener (server.url unless `publicUrl` was given) */
  readonly baseUrl: string;
  readonly rootCaPath: string;
  readonly auditPath: string;
  readonly serverIdPath: string;
  readonly db: RawDatabase;
  /** where config.yml points `database` (shared by installations made with `shareDatabaseWith`) */
  readonly database: DatabaseSpec;
  /** `certeasy <args> -f <config>` */
  cli(...args: string[]): Promise<CliResult>;
  /** `certeasy license install` of a test license (test/support/license.ts) with these claims */
  installLicense(claims?: Partial<LicenseClaims>): Promise<CliResult>;
  /**
   * Start `serve`; resolves once it printed "ACME directory:" and (unless `bannerOnly`) answered
   * /readyz with 200; rejects with its stderr if it exits first.
   */
  serve(options?: ServeOptions): Promise<ServeProcess>;
  serverId(): Promise<string>;
  auditLines(): Promise<string[]>;
  cleanup(): Promise<void>;
}

/** A port nobody listens on right now: bind port 0 on loopback, note it, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export async function tempDir(prefix = "certeasy-e2e-"): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

/** JSON strings are valid YAML double-quoted scalars: no escaping rules of our own. */
const q = (value: string): string => JSON.stringify(value);

/** The tests drive the server from loopback far faster than any real client would. */
const LOOPBACK_WHITELIST = ["  whitelist:", "    - 127.0.0.1", "    - ::1"];

function configYaml(
  workdir: string,
  port: number,
  database: DatabaseSpec,
  sections: Pick<InstallationOptions, "server" | "rateLimiting" | "configExtra" | "publicUrl">,
): string {
  const db =
    database.driver === "sqlite"
      ? ["  driver: sqlite", `  path: ${q(database.path)}`]
      : ["  driver: postgres", `  dsn: ${q(database.dsn)}`];
  return [
    `workdir: ${q(workdir)}`,
    "server:",
    "  url:",
    `    - ${sections.publicUrl ?? `https://localhost:${port}/`}`,
    `  listen: 127.0.0.1:${port}`,
    ...(sections.server ?? []),
    "database:",
    ...db,
    "rate-limiting:",
    ...(sections.rateLimiting ?? LOOPBACK_WHITELIST),
    // Licenses signed with the tests' key are accepted (test/support/license.ts).
    ...licenseConfigYaml(),
    // Tests may append more sections to the file: it ends with a newline.
    sections.configExtra ?? "",
    "",
  ].join("\n");
}

function sqliteAccess(path: string): RawDatabase {
  const withDb = <T>(use: (db: Database.Database) => T): T => {
    const db = new Database(path, { fileMustExist: true });
    try {
      return use(db);
    } finally {
      db.close();
    }
  };
  return {
    query: async <T extends Record<string, unknown>>(statement: string) => withDb((db) => db.prepare(statement).all() as T[]),
    exec: async (statement) => withDb((db) => void db.exec(statement)),
  };
}

export interface InstallationOptions {
  readonly driver?: Driver;
  /**
   * Leave the workdir uncreated, as on a brand-new host (config.yml then sits next to it).
   * By default the temp dir is the workdir and holds config.yml.
   */
  readonly missingWorkdir?: boolean;
  /**
   * A second node: its own workdir, port and identity, on the other installation's database
   * (which that installation keeps owning and drops).
   */
  readonly shareDatabaseWith?: Installation;
  /** YAML appended to config.yml, e.g. a `lease:` section */
  readonly configExtra?: string;
  /** more lines under `server:` (indented two spaces), e.g. `remote-ip-header` */
  readonly server?: readonly string[];
  /** the lines under `rate-limiting:`; by default loopback is whitelisted */
  readonly rateLimiting?: readonly string[];
  /**
   * `server.url` when clients reach the node through something else (a load balancer in front
   * of two nodes); by default `https://localhost:<port>/`, the node's own listener.
   */
  readonly publicUrl?: string;
}

export async function createInstallation(options: InstallationOptions = {}): Promise<Installation> {
  const driver = options.shareDatabaseWith?.driver ?? options.driver ?? "sqlite";
  const root = await tempDir();
  const workdir = options.missingWorkdir ? join(root, "workdir") : root;
  const port = await freePort();
  const cleanups: (() => Promise<void>)[] = [() => rm(root, { recursive: true, force: true })];
  let db: RawDatabase;
  let database: DatabaseSpec;
  const shared = options.shareDatabaseWith;
  if (shared) {
    db = shared.db;
    database = shared.database;
  } else if (driver === "sqlite") {
    database = { driver, path: join(workdir, "db.sqlite") };
    db = sqliteAccess(database.path);
  } else {
    const name = `certeasy_e2e_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
    const admin = postgres(PG_ADMIN_DSN, { max: 1, onnotice: () => undefined });
    await admin.unsafe(`CREATE DATABASE "${name}"`);
    const client = postgres(pgDsn(name), { max: 1, onnotice: () => undefined });
    cleanups.push(async () => {
      await client.end({ timeout: 5 });
      await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end({ timeout: 5 });
    });
    db = {
      query: async <T extends Record<string, unknown>>(statement: string) => [...(await client.unsafe<T[]>(statement))],
      exec: async (statement) => void (await client.unsafe(statement)),
    };
    database = { driver, dsn: pgDsn(name) };
  }
  const configText = configYaml(workdir, port, database, options);
  const configPath = join(root, "config.yml");
  await writeFile(configPath, configText);

  const installation: Installation = {
    driver,
    workdir,
    configPath,
    port,
    baseUrl: `https://localhost:${port}/`,
    rootCaPath: join(workdir, "local-ca", "root-ca.pem"),
    auditPath: join(workdir, "audit.log"),
    serverIdPath: join(workdir, "server_id"),
    db,
    database,
    cli: (...args) => runCli([...args, "-f", configPath]),
    installLicense: async (claims) => {
      const file = join(root, "license.lic");
      await writeFile(file, await licenseFile(claims));
      return runCli(["license", "install", file, "-f", configPath]);
    },
    serve: (serveOptions) => startServe(configPath, join(workdir, "local-ca", "root-ca.pem"), serveOptions),
    serverId: async () => (await readFile(join(workdir, "server_id"), "utf8")).trim(),
    auditLines: async () => (await readFile(join(workdir, "audit.log"), "utf8")).split("\n").filter((l) => l !== ""),
    cleanup: async () => {
      // Every step runs even if one fails, so a stuck database never leaves the temp dir behind.
      const failures = (await Promise.allSettled(cleanups.map((step) => step()))).filter((r) => r.status === "rejected");
      if (failures[0]) throw failures[0].reason;
    },
  };
  return installation;
}

/** The `ratelimit.denied` events in the installation's log, as `<limit> <key>`, in log order. */
export async function rateLimitRefusals(installation: Installation): Promise<string[]> {
  const exported = await installation.cli("events", "export");
  if (exported.code !== 0) throw new Error(`events export failed (${exported.code}): ${exported.stderr}`);
  return exported.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as { type: string; data: { limit?: string; key?: string } })
    .filter((event) => event.type === "ratelimit.denied")
    .map((event) => `${event.data.limit ?? ""} ${event.data.key ?? ""}`);
}

/** One clean boot and SIGTERM stop, as a precondition: fails loudly if either goes wrong. */
export async function bootAndStop(installation: Installation): Promise<void> {
  const server = await installation.serve();
  const exit = await server.stop("SIGTERM");
  if (exit.code !== 0) throw new Error(`serve did not stop cleanly (${exit.code ?? exit.signal}).\nstderr:\n${server.stderr()}`);
}

/** `certeasy serve -f configPath`, for a config a test wrote itself (see Installation.serve). */
export async function startServe(configPath: string, rootCaPath: string, options: ServeOptions = {}): Promise<ServeProcess> {
  const timeoutMs = options.timeoutMs ?? 45_000;
  const deadline = performance.now() + timeoutMs;
  const child = new Child(["serve", "-f", configPath, ...(options.standby ? ["--standby"] : []), ...(options.args ?? [])]);
  const printed = options.standby ? /^Standing by \(ACME directory once active: (\S+)\)$/m : /^ACME directory: (\S+)$/m;
  await child.until(options.standby ? '"Standing by" on stdout' : '"ACME directory:" on stdout', () => printed.test(child.stdout), timeoutMs);
  const directoryUrl = printed.exec(child.stdout)?.[1] ?? "";
  if (!options.bannerOnly && !options.standby) await untilReady(child, new URL("/readyz", directoryUrl).href, await readFile(rootCaPath, "utf8"), deadline);
  return {
    directoryUrl,
    stdout: () => child.stdout,
    stderr: () => child.stderr,
    waitForLog: (pattern, waitMs = 20_000) => child.until(`a log line matching ${pattern}`, () => pattern.test(child.stderr), waitMs),
    waitForStdout: (pattern, waitMs = 20_000) => child.until(`stdout matching ${pattern}`, () => pattern.test(child.stdout), waitMs),
    signal: (signal) => child.signal(signal),
    exited: child.exited,
    stop: async (signal = "SIGTERM", stopMs = 20_000) => {
      const started = performance.now();
      child.signal(signal);
      const timer = setTimeout(() => child.signal("SIGKILL"), stopMs);
      const exit = await child.exited;
      clearTimeout(timer);
      return { ...exit, ms: performance.now() - started };
    },
  };
}

/** Probe /readyz until it answers 200: hydration may lag the banner by a moment. */
async function untilReady(child: Child, readyzUrl: string, ca: string, deadline: number): Promise<void> {
  let last = "no answer yet";
  while (performance.now() < deadline && !child.hasExited) {
    try {
      const res = await httpsGet(readyzUrl, ca);
      if (res.status === 200) return;
      last = `${res.status} ${res.body}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
  }
  throw new Error(`certeasy never became ready at ${readyzUrl} (last: ${last}).\nstdout:\n${child.stdout}\nstderr:\n${child.stderr}`);
}

/**
 * Two nodes on one database (the second made with `shareDatabaseWith`), as the lease and
 * standby tests run them. On PostgreSQL a test license allowing it is installed first (the
 * Free plan allows SQLite only; the license is in the shared log, so both nodes see it).
 */
export async function createNodePair(
  driver: Driver,
  options: Omit<InstallationOptions, "driver" | "shareDatabaseWith"> = {},
): Promise<readonly [Installation, Installation]> {
  const first = await createInstallation({ ...options, driver });
  const second = await createInstallation({ ...options, shareDatabaseWith: first });
  if (driver === "postgres") {
    const installed = await first.installLicense({ allowed_dbs: ["postgres"] });
    if (installed.code !== 0) throw new Error(`license install failed (${installed.code}): ${installed.stderr}`);
  }
  return [first, second];
}

/**
 * `dns-validation-profiles` for challenges answered on loopback: every name resolved by the
 * test DNS server at `dnsAddress`, loopback addresses allowed, http-01 on `http01Port`.
 */
export function loopbackValidationYaml(name: string, dnsAddress: string, http01Port: number): string[] {
  return [
    "dns-validation-profiles:",
    `  - name: ${name}`,
    "    zones:",
    "      - suffixes:",
    '          - "."',
    `        dns-server: ${dnsAddress}`,
    "    resolved-ip-policy:",
    "      allow-cidrs:",
    "        - 127.0.0.0/8",
    "    ports:",
    `      http-01: ${http01Port}`,
  ];
}
