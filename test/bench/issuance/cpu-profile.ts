/**
 * Where a server's CPU went: a V8 CPU profile (`node --cpu-prof`, the `.cpuprofile` JSON) reduced
 * to self time per function and per file, optionally inside a time window (the load step only,
 * not boot). Sample timestamps are CLOCK_MONOTONIC microseconds, the clock
 * `process.hrtime.bigint()` reads, so the bench can name the window from its own process.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface SelfTime {
  readonly name: string;
  readonly ms: number;
  /** share of the sampled time in the window, idle excluded */
  readonly share: number;
}

export interface ProfileSummary {
  /** sampled time in the window, idle excluded */
  readonly busyMs: number;
  readonly idleMs: number;
  readonly functions: readonly SelfTime[];
  readonly files: readonly SelfTime[];
  /**
   * Each sample charged to the innermost frame of Certeasy's own code on its stack (src/,
   * events/, projections/): the time spent in that function and in the libraries it called.
   * Samples with no Certeasy frame (GC, the event loop, a library's own callbacks) are left out.
   */
  readonly ownCode: readonly SelfTime[];
  /** false when the window did not overlap the profile and the whole profile was summarised */
  readonly windowApplied: boolean;
}

export interface TimeWindowUs {
  readonly fromUs: number;
  readonly toUs: number;
}

/**
 * The `.cpuprofile` files node wrote into `dir` at exit: one per JavaScript thread (the main
 * thread, and the thread tsx's module hooks run on).
 */
export async function readProfilesFrom(dir: string): Promise<CpuProfile[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".cpuprofile"));
  if (names.length === 0) throw new Error(`no .cpuprofile in ${dir}: did the server exit cleanly?`);
  return Promise.all(names.map(async (name) => JSON.parse(await readFile(join(dir, name), "utf8")) as CpuProfile));
}

/** Now, on the profile's clock. */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** Self time over all the threads' profiles, inside `window` when it overlaps them. */
export function summariseProfiles(profiles: readonly CpuProfile[], repoRoot: string, window?: TimeWindowUs): ProfileSummary {
  const inWindow = window !== undefined && profiles.some((profile) => profile.startTime < window.toUs && profile.endTime > window.fromUs);
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  const byOwnCode = new Map<string, number>();
  let busyUs = 0;
  let idleUs = 0;
  for (const profile of profiles) {
    const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
    const parents = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
    let at = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      at += profile.timeDeltas[i] ?? 0;
      // A sample stands for the time until the next one.
      const span = profile.timeDeltas[i + 1] ?? 0;
      if (inWindow && (at < window.fromUs || at > window.toUs)) continue;
      const frame = frames.get(profile.samples[i] ?? -1);
      if (frame === undefined) continue;
      if (frame.functionName === "(idle)") {
        idleUs += span;
        continue;
      }
      busyUs += span;
      const file = fileOf(frame, repoRoot);
      const fn = `${frame.functionName || "(anonymous)"}  ${frame.url ? located(frame, repoRoot) : file}`;
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + span);
      byFile.set(file, (byFile.get(file) ?? 0) + span);
      const own = innermostOwnFrame(profile.samples[i] ?? -1, frames, parents, repoRoot);
      if (own !== undefined) byOwnCode.set(own, (byOwnCode.get(own) ?? 0) + span);
    }
  }
  const ranked = (table: Map<string, number>): SelfTime[] =>
    [...table.entries()].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, share: busyUs === 0 ? 0 : us / busyUs }));
  return { busyMs: busyUs / 1000, idleMs: idleUs / 1000, functions: ranked(byFunction), files: ranked(byFile), ownCode: ranked(byOwnCode), windowApplied: inWindow };
}

const OWN_CODE = /^(src|events|projections)\//;

function innermostOwnFrame(leaf: number, frames: ReadonlyMap<number, CallFrame>, parents: ReadonlyMap<number, number>, repoRoot: string): string | undefined {
  for (let id: number | undefined = leaf; id !== undefined; id = parents.get(id)) {
    const frame = frames.get(id);
    if (frame === undefined || !frame.url.startsWith("file://")) continue;
    const path = locationOf(frame.url, repoRoot);
    if (OWN_CODE.test(path)) return `${frame.functionName || "(anonymous)"}  ${located(frame, repoRoot)}`;
  }
  return undefined;
}

/**
 * The file a frame belongs to, short: a path in the repository, a package under node_modules,
 * a node built-in module, or V8's own buckets ("(garbage collector)", "(program)", native code).
 */
export function fileOf(frame: CallFrame, repoRoot: string): string {
  if (frame.url === "") return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  const path = locationOf(frame.url, repoRoot);
  const packageMatch = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (packageMatch?.[1] !== undefined) return `node_modules/${packageMatch[1]}`;
  return path;
}

/**
 * `path:line`. tsx hands V8 whitespace-minified code (one line per module), so a TypeScript
 * file's line number says nothing and is left out; the function name and file are what locate it.
 */
function located(frame: CallFrame, repoRoot: string): string {
  const path = locationOf(frame.url, repoRoot);
  return frame.lineNumber > 0 ? `${path}:${frame.lineNumber + 1}` : path;
}

/** A script URL as a path relative to the repository (node: built-ins stay as they are). */
function locationOf(url: string, repoRoot: string): string {
  return url.startsWith("file://") ? relative(repoRoot, fileURLToPath(url)) : url;
}
