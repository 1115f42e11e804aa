/**
 * Certeasy as an operator runs it: `node src/cli/bin.js serve -f config.yml` in a child process,
 * with a fresh workdir and a fresh database (an SQLite file, or a PostgreSQL DATABASE created for
 * the run and dropped afterwards), durable storage and the audit file on, as the target
 * requires.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { CERTEASY_BIN, REPO_ROOT, runCli } from "../../e2e/children.js";
import { licenseConfigYaml, licenseFile } from "../../support/license.js";
import { freePort, loopbackValidationYaml } from "../../e2e/harness.js";
import { PG_ADMIN_DSN, pgDsn } from "../../e2e/postgres.js";
import type { BenchTarget, ChallengeWorld } from "./bench-target.js";
import { untilAnswering } from "./readiness.js";
import { spawnServer } from "./server-process.js";

export type Driver = "sqlite" | "postgres";

/** The log level the bench runs Certeasy with: logging costs CPU, and warn is a production choice. */
export const CERTEASY_LOG_LEVEL = "warn";

export interface CerteasyOptions {
  readonly driver: Driver;
  readonly world: ChallengeWorld;
  /** write a V8 CPU profile (`node --cpu-prof`) into this folder when the server exits */
  readonly cpuProfileDir?: string;
  /** more node flags for the server process, e.g. `--max-old-space-size=192` */
  readonly nodeFlags?: readonly string[];
  /** the lines under `rate-limiting:` (default: loopback whitelisted, see LOOPBACK_WHITELISTED) */
  readonly rateLimiting?: readonly string[];
}

/** The load comes from one loopback address: per-address limits are bypassed, the rest apply. */
export const LOOPBACK_WHITELISTED: readonly string[] = ["  whitelist:", "    - 127.0.0.1", "    - ::1"];

const q = (value: string): string => JSON.stringify(value);

function certeasyConfig(workdir: string, port: number, database: readonly string[], world: ChallengeWorld, rateLimiting: readonly string[]): string {
  return [
    `workdir: ${q(workdir)}`,
    "server:",
    "  url:",
    `    - https://localhost:${port}/`,
    `  listen: 127.0.0.1:${port}`,
    "database:",
    ...database.map((line) => `  ${line}`),
    "logs:",
    `  level: ${CERTEASY_LOG_LEVEL}`,
    "audit:",
    "  enabled: true",
    "rate-limiting:",
    ...rateLimiting,
    "acme:",
    // No authorization reuse: every order of the bench really validates its challenge.
    "  valid-authorization-lifetime: 0s",
    ...loopbackValidationYaml("bench", world.dnsAddress, world.http01Port),
    // The bench registers more accounts than the Free plan's 25 managed servers, and may run on
    // PostgreSQL: it installs an unlimited test license signed with this key.
    ...licenseConfigYaml(),
    "",
  ].join("\n");
}

export async function startCerteasy(options: CerteasyOptions): Promise<BenchTarget> {
  const workdir = await mkdtemp(join(tmpdir(), `certeasy-bench-${options.driver}-`));
  const cleanups: (() => Promise<void>)[] = [() => rm(workdir, { recursive: true, force: true })];
  const cleanup = async (): Promise<void> => {
    for (const step of cleanups.reverse()) await step();
  };
  try {
    const pg = options.driver === "postgres" ? await freshPostgresDatabase(cleanups) : undefined;
    const database = pg === undefined ? ["driver: sqlite", `path: ${q(join(workdir, "db.sqlite"))}`] : ["driver: postgres", `dsn: ${q(pg.dsn)}`];
    const port = await freePort();
    const configPath = join(workdir, "config.yml");
    await writeFile(configPath, certeasyConfig(workdir, port, database, options.world, options.rateLimiting ?? LOOPBACK_WHITELISTED));
    const licensePath = join(workdir, "license.lic");
    await writeFile(licensePath, await licenseFile());
    const installed = await runCli(["license", "install", licensePath, "-f", configPath]);
    if (installed.code !== 0) throw new Error(`certeasy license install failed:\n${installed.stderr}`);
    // BENCH_SERVER_NODE_FLAGS: extra node flags for the server alone (say, V8 tracing or
    // --perf-basic-prof for `perf record`), without touching the bench process.
    const extraFlags = (process.env["BENCH_SERVER_NODE_FLAGS"] ?? "").split(" ").filter((flag) => flag !== "");
    const nodeFlags = [...(options.nodeFlags ?? []), ...extraFlags, ...(options.cpuProfileDir === undefined ? [] : ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfileDir}`])];
    const server = spawnServer({ command: process.execPath, args: [...nodeFlags, CERTEASY_BIN, "serve", "-f", configPath], cwd: REPO_ROOT });
    cleanups.push(() => server.stop());
    const banner = await server.waitFor(/^ACME directory: (\S+)\nTrust this CA certificate in ACME clients: (\S+)$/m, "ACME directory banner", 60_000);
    const [, directoryUrl = "", caPath = ""] = banner;
    const caPem = await readFile(caPath, "utf8");
    await untilAnswering(new URL("/readyz", directoryUrl).href, caPem, server.output);
    return {
      label: `certeasy ${options.driver}`,
      endpoint: { directoryUrl, caPem },
      pid: server.pid,
      ...(pg === undefined ? {} : { databasePids: pg.backendPids }),
      output: server.output,
      stop: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

interface BenchDatabase {
  readonly dsn: string;
  /** pids of the backends connected to this database right now (one per pooled connection) */
  backendPids(): Promise<readonly number[]>;
}

/** A DATABASE of its own for this run, dropped (connections forced out) at cleanup. */
async function freshPostgresDatabase(cleanups: (() => Promise<void>)[]): Promise<BenchDatabase> {
  const name = `certeasy_bench_${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const admin = postgres(PG_ADMIN_DSN, { max: 1, onnotice: () => undefined });
  await admin.unsafe(`CREATE DATABASE "${name}"`);
  cleanups.push(async () => {
    await admin.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end({ timeout: 5 });
  });
  return {
    dsn: pgDsn(name),
    backendPids: async () => (await admin<{ pid: number }[]>`SELECT pid FROM pg_stat_activity WHERE datname = ${name}`).map((row) => row.pid),
  };
}
