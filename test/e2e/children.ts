/**
 * The `certeasy` executable as a child process, the way an operator runs it: one-shot commands
 * that end with an exit code, and `serve`, which runs until signalled. Every child is tracked so
 * a failed test never leaves a server holding a port or a database open.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { killChildren } from "../support/kill-children.js";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const CERTEASY_BIN = join(REPO_ROOT, "src/cli/bin.js");

/** What a finished command left behind. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A stack frame line as node prints it: the mark of an unhandled failure. */
export const STACK_FRAME = /^\s{2,}at .+/m;

const running = new Set<ChildProcess>();

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0" };
  // Stacks must only ever appear because the product printed them on its own.
  delete env["CERTEASY_DEBUG"];
  return env;
}

/** A running child whose output is collected as it arrives. */
export class Child {
  readonly process: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stdout = "";
  #stderr = "";
  #watchers = new Set<() => void>();

  constructor(args: readonly string[]) {
    this.process = spawn(process.execPath, [CERTEASY_BIN, ...args], {
      cwd: REPO_ROOT,
      env: childEnv(),
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(this.process);
    this.process.stdout?.setEncoding("utf8").on("data", (chunk: string) => this.#grow("out", chunk));
    this.process.stderr?.setEncoding("utf8").on("data", (chunk: string) => this.#grow("err", chunk));
    this.exited = new Promise((resolveExit) => {
      // "close" comes after both pipes are drained, so the output is complete by then.
      this.process.once("close", (code, signal) => {
        running.delete(this.process);
        resolveExit({ code, signal });
        this.#notify();
      });
      this.process.once("error", () => {
        running.delete(this.process);
        resolveExit({ code: null, signal: null });
        this.#notify();
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

  #grow(stream: "out" | "err", chunk: string): void {
    if (stream === "out") this.#stdout += chunk;
    else this.#stderr += chunk;
    this.#notify();
  }

  #notify(): void {
    for (const watcher of [...this.#watchers]) watcher();
  }

  /**
   * Resolves once `ready()` holds (checked after every piece of output and at exit), rejects
   * when the child exits first or the time is up. `ready` may also end the wait by throwing.
   */
  until(what: string, ready: () => boolean, timeoutMs: number): Promise<void> {
    return new Promise((resolveWait, rejectWait) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.#watchers.delete(check);
        if (error) rejectWait(error);
        else resolveWait();
      };
      const check = (): void => {
        if (ready()) finish();
        else if (this.hasExited) finish(new Error(`certeasy exited before ${what}.\nstdout:\n${this.#stdout}\nstderr:\n${this.#stderr}`));
      };
      const timer = setTimeout(
        () => finish(new Error(`no ${what} within ${timeoutMs} ms.\nstdout:\n${this.#stdout}\nstderr:\n${this.#stderr}`)),
        timeoutMs,
      );
      this.#watchers.add(check);
      check();
    });
  }

  signal(signal: NodeJS.Signals): void {
    if (!this.hasExited) this.process.kill(signal);
  }
}

/** Run a one-shot command to its end; a command that hangs is killed and reported. */
export async function runCli(args: readonly string[], timeoutMs = 45_000): Promise<CliResult> {
  const child = new Child(args);
  const timer = setTimeout(() => child.signal("SIGKILL"), timeoutMs);
  const { code, signal } = await child.exited;
  clearTimeout(timer);
  if (signal === "SIGKILL") {
    throw new Error(`certeasy ${args.join(" ")} did not finish within ${timeoutMs} ms.\nstdout:\n${child.stdout}\nstderr:\n${child.stderr}`);
  }
  return { code, signal, stdout: child.stdout, stderr: child.stderr };
}

/** Kill whatever a test left running (call it in afterEach). */
export const killLeftoverChildren = (): Promise<void> => killChildren(running);
