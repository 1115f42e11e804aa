/**
 * A throwaway PostgreSQL cluster of a test's own (initdb into a temp dir, pg_ctl on a free
 * loopback port, its socket in that dir), so that a test may restart or stop it — never the
 * shared cluster on 127.0.0.1:5432 that other tests use at the same time. initdb refuses to run
 * as root: as root, the cluster runs as the `postgres` system user (runuser).
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "../e2e/harness.js";

const run = promisify(execFile);

/** The newest `/usr/lib/postgresql/<major>/bin` holding initdb and pg_ctl, or null. */
export function postgresBinaries(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  const majors = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = join(root, major, "bin");
    if (existsSync(join(bin, "initdb")) && existsSync(join(bin, "pg_ctl"))) return bin;
  }
  return null;
}

export interface PrivatePostgres {
  readonly port: number;
  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  dsn(database?: string): string;
  /** `pg_ctl restart -m fast`: every connection is cut, the cluster answers again at once */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** stop it (immediate) and remove its directory */
  destroy(): Promise<void>;
}

export async function startPrivatePostgres(bin: string): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), "certeasy-pg-"));
  const data = join(dir, "data");
  const port = await freePort();
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = (tool: string, args: readonly string[]): Promise<unknown> =>
    asRoot ? run("runuser", ["-u", "postgres", "--", join(bin, tool), ...args]) : run(join(bin, tool), [...args]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
  const ctl = (...args: string[]): Promise<unknown> => pg("pg_ctl", ["-D", data, "-l", join(dir, "server.log"), "-w", "-t", "60", ...args]);

  await pg("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  await ctl("-o", options, "start");
  return {
    port,
    dsn: (database = "postgres") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    restart: async () => void (await ctl("-m", "fast", "-o", options, "restart")),
    stop: async () => void (await ctl("-m", "fast", "stop")),
    start: async () => void (await ctl("-o", options, "start")),
    destroy: async () => {
      await ctl("-m", "immediate", "stop").catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
