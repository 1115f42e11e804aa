/**
 * One process per workdir. Two processes sharing a workdir would share `server_id` and append
 * to one audit file, interleaving their chains; the audit file's foreign-node check cannot see
 * that (both write the same server_id). `<workdir>/certeasy.lock` names the holder's pid; a lock
 * left by a process that no longer exists (SIGKILL, power loss) is taken over.
 */
import { constants } from "node:fs";
import { open, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";

export class WorkdirLockedError extends Error {
  override readonly name = "WorkdirLockedError";
}

export interface WorkdirLock {
  readonly path: string;
  /** the pid of a dead holder whose lock was taken over, if any */
  readonly tookOverFrom: number | null;
  release(): Promise<void>;
}

interface Holder {
  readonly pid: number;
  readonly hostname: string;
  readonly since: string;
}

export async function lockWorkdir(workdir: string, now: Date = new Date()): Promise<WorkdirLock> {
  const path = join(workdir, "certeasy.lock");
  const me: Holder = { pid: process.pid, hostname: hostname(), since: now.toISOString() };
  let tookOverFrom: number | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      return { path, tookOverFrom, release: () => unlink(path).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = await readHolder(path);
    if (holder && holder.hostname === me.hostname && isAlive(holder.pid)) {
      throw new WorkdirLockedError(
        `workdir ${workdir} is in use by another Certeasy process (pid ${holder.pid}, since ${holder.since}); ` +
          `each running node needs its own workdir. If that process is not Certeasy, remove ${path}.`,
      );
    }
    tookOverFrom = holder?.pid ?? null;
    await unlink(path).catch(() => undefined);
  }
  throw new WorkdirLockedError(`could not take the lock ${path}: another process keeps recreating it`);
}

async function readHolder(path: string): Promise<Holder | null> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as Partial<Holder>;
    return typeof parsed.pid === "number" && typeof parsed.hostname === "string"
      ? { pid: parsed.pid, hostname: parsed.hostname, since: String(parsed.since) }
      : null;
  } catch {
    return null; // unreadable or half-written: treat as stale
  }
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
