/**
 * The external programs of the interop run (certbot, lego, openssl, pebble-challtestsrv) as
 * child processes. Every child is tracked, so the run can end them all, whatever made it stop.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { killChildren } from "../support/kill-children.js";

export interface ProgramResult {
  readonly command: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** true when the program was killed for running past its time */
  readonly timedOut: boolean;
}

export interface ProgramOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

const running = new Set<ChildProcess>();

/**
 * The environment every client gets: the caller's, minus proxies (all traffic of the run is
 * loopback, and a proxy would send `localhost` elsewhere), plus what the scenario sets.
 */
export function clientEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  for (const name of ["http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"]) delete env[name];
  return { ...env, ...extra };
}

/** A long-running child whose output is collected as it arrives. */
export class RunningProgram {
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stdout = "";
  #stderr = "";

  constructor(file: string, args: readonly string[], options: ProgramOptions = {}) {
    this.process = spawn(file, args, { cwd: options.cwd, env: options.env ?? clientEnv(), stdio: ["ignore", "pipe", "pipe"] });
    running.add(this.process);
    this.process.stdout?.setEncoding("utf8").on("data", (chunk: string) => (this.#stdout += chunk));
    this.process.stderr?.setEncoding("utf8").on("data", (chunk: string) => (this.#stderr += chunk));
    this.exited = new Promise((resolveExit) => {
      // "close" follows the end of both pipes: the output is complete by then.
      this.process.once("close", (code, signal) => {
        running.delete(this.process);
        resolveExit({ code, signal });
      });
      this.process.once("error", (error) => {
        running.delete(this.process);
        this.#stderr += `\ncould not start ${file}: ${error.message}\n`;
        resolveExit({ code: null, signal: null });
      });
    });
  }

  get stdout(): string {
    return this.#stdout;
  }

  get stderr(): string {
    return this.#stderr;
  }

  get hasExited(): boolean {
    return !running.has(this.process);
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.hasExited) this.process.kill(signal);
  }

  /** SIGTERM, then SIGKILL if the child is still there after `graceMs`. */
  async stop(graceMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

/** Run a program to its end; one that hangs is killed after `timeoutMs` and says so. */
export async function runProgram(file: string, args: readonly string[], options: ProgramOptions = {}): Promise<ProgramResult> {
  const program = new RunningProgram(file, args, options);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    program.signal("SIGKILL");
  }, options.timeoutMs ?? 60_000);
  const { code, signal } = await program.exited;
  clearTimeout(timer);
  return { command: [file, ...args].join(" "), code, signal, stdout: program.stdout, stderr: program.stderr, timedOut };
}

/** How a finished program ended, in words, for failure lines. */
export function describeExit(result: ProgramResult): string {
  if (result.timedOut) return "timed out and was killed";
  return result.code !== null ? `exited with ${result.code}` : `was killed by ${result.signal ?? "an unknown cause"}`;
}

/** Kill every child still running (the last step of the run, and of an interrupted one). */
export const killAll = (): Promise<void> => killChildren(running);
