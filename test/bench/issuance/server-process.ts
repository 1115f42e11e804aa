/**
 * A server under test as a child process: spawned with its own flags and environment, its output
 * kept (the last 64 KiB, for error messages; always drained, so a chatty server never blocks on a
 * full pipe), waited on until it prints what says it is up, and stopped with SIGTERM (SIGKILL if
 * it hangs). Its pid is what the CPU sampling reads.
 */
import { spawn, type ChildProcess } from "node:child_process";

const KEPT_OUTPUT = 64 * 1024;

export interface ServerProcess {
  readonly pid: number;
  /** stdout and stderr interleaved, the last 64 KiB */
  output(): string;
  /** Resolves when the output matches, with the match; rejects if the process exits first. */
  waitFor(pattern: RegExp, what: string, timeoutMs: number): Promise<RegExpExecArray>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(timeoutMs?: number): Promise<void>;
}

export interface SpawnOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
}

export function spawnServer(options: SpawnOptions): ServerProcess {
  const child: ChildProcess = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (child.pid === undefined) throw new Error(`${options.command} could not be started.`);
  const pid = child.pid;
  let output = "";
  const watchers = new Set<() => void>();
  let running = true;
  const grow = (chunk: string): void => {
    output = (output + chunk).slice(-KEPT_OUTPUT);
    for (const watcher of [...watchers]) watcher();
  };
  child.stdout?.setEncoding("utf8").on("data", grow);
  child.stderr?.setEncoding("utf8").on("data", grow);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("close", (code, signal) => {
      running = false;
      resolve({ code, signal });
      for (const watcher of [...watchers]) watcher();
    });
  });
  return {
    pid,
    output: () => output,
    exited,
    waitFor: (pattern, what, timeoutMs) =>
      new Promise((resolve, reject) => {
        const finish = (result: RegExpExecArray | Error): void => {
          clearTimeout(timer);
          watchers.delete(check);
          if (result instanceof Error) reject(result);
          else resolve(result);
        };
        const check = (): void => {
          const match = pattern.exec(output);
          if (match) finish(match);
          else if (!running) finish(new Error(`${options.command} exited before ${what}. Its output:\n${output}`));
        };
        const timer = setTimeout(() => finish(new Error(`${options.command}: no ${what} within ${timeoutMs} ms. Its output:\n${output}`)), timeoutMs);
        watchers.add(check);
        check();
      }),
    stop: async (timeoutMs = 30_000) => {
      if (!running) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
