/**
 * CPU time a process has used so far, read from procfs (proc(5)): utime + stime of the process
 * and of every live descendant, plus cutime + cstime (children that already exited and were
 * waited for). Reading it before and after a load step gives the server's CPU for that step,
 * whatever threads (libuv pool, V8 GC helpers, Go runtime) did the work.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

export interface CpuSample {
  /** milliseconds of CPU (user + system), all threads, the process and its descendants */
  readonly ms: number;
  /** the part of `ms` spent in the kernel (stime + cstime): syscalls, fsync, network */
  readonly systemMs: number;
  /** how many descendant processes were running */
  readonly descendants: number;
}

/** Clock ticks per second of the stat fields (`getconf CLK_TCK`, 100 on every Linux seen). */
export const CLOCK_TICKS_PER_SECOND = clockTicks();

function clockTicks(): number {
  try {
    const value = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
    return Number.isInteger(value) && value > 0 ? value : 100;
  } catch {
    return 100;
  }
}

export function sampleCpu(pid: number): CpuSample {
  const own = statTicks(pid);
  if (own === undefined) throw new Error(`process ${pid} is gone: its CPU time cannot be read.`);
  let ticks = own.self + own.reapedChildren;
  let systemTicks = own.system;
  const descendants = descendantsOf(pid);
  for (const child of descendants) {
    const sample = statTicks(child);
    ticks += sample?.self ?? 0;
    systemTicks += sample?.system ?? 0;
  }
  const toMs = (t: number): number => (t * 1000) / CLOCK_TICKS_PER_SECOND;
  return { ms: toMs(ticks), systemMs: toMs(systemTicks), descendants: descendants.length };
}

/**
 * CPU ms of each of `pids` that still runs (processes of another user included: /proc/<pid>/stat
 * is world-readable). A process missing from one sample counts as 0 there.
 */
export function sampleProcesses(pids: readonly number[]): Map<number, number> {
  const byPid = new Map<number, number>();
  for (const pid of pids) {
    const ticks = statTicks(pid);
    if (ticks !== undefined) byPid.set(pid, (ticks.self * 1000) / CLOCK_TICKS_PER_SECOND);
  }
  return byPid;
}

function statTicks(pid: number): { self: number; system: number; reapedChildren: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may hold spaces: count fields after the last ")".
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // Fields 14–17 (utime, stime, cutime, cstime) are at 11–14 once pid and comm are cut off.
  const at = (index: number): number => Number(fields[index] ?? 0);
  return { self: at(11) + at(12), system: at(12) + at(14), reapedChildren: at(13) + at(14) };
}

/** Every process below `pid`, through each thread's `children` list (Linux 3.5+). */
function descendantsOf(pid: number): number[] {
  const found: number[] = [];
  const queue = [pid];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    for (const child of childrenOf(next)) {
      found.push(child);
      queue.push(child);
    }
  }
  return found;
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return children;
  }
  for (const task of tasks) {
    try {
      for (const id of readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").trim().split(/\s+/)) if (id !== "") children.push(Number(id));
    } catch {
      // a thread that ended between the listing and the read has no children to report
    }
  }
  return children;
}

/**
 * CPU per thread of one process: "main" for the thread running JavaScript, `<comm>#<tid>` for
 * the others (node names them all "node": the libuv pool that runs crypto and fs jobs, V8's GC
 * and compiler helpers, a module-hooks thread; V8's profiler thread is "v8:ProfEvntProc"). A
 * JavaScript profile only sees the main thread; this says how much went elsewhere.
 */
export function sampleThreads(pid: number): Map<string, number> {
  const byThread = new Map<string, number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byThread;
  }
  for (const task of tasks) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${task}/stat`, "utf8");
    } catch {
      continue;
    }
    const name = Number(task) === pid ? "main" : `${text.slice(text.indexOf("(") + 1, text.lastIndexOf(")"))}#${task}`;
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    byThread.set(name, ((Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 1000) / CLOCK_TICKS_PER_SECOND);
  }
  return byThread;
}

/** after − before, per thread, largest first. */
export function threadDelta(before: ReadonlyMap<string, number>, after: ReadonlyMap<string, number>): [string, number][] {
  return [...after.entries()].map(([name, ms]): [string, number] => [name, ms - (before.get(name) ?? 0)]).sort((a, b) => b[1] - a[1]);
}
