/**
 * Runs certreq/certutil the way adcs.md §2.3 asks: no shell, the arguments as an array (a CA name
 * with spaces or quotes is one argument and reaches the program intact; on Windows Node quotes
 * each element for CommandLineToArgvW), no console window, stdin closed so a prompt meets
 * end-of-file instead of waiting forever, and a deadline.
 *
 * At the deadline the whole process group is killed, not only the child: on POSIX the child is
 * started as the leader of its own group (`detached`), so `kill(-pid)` also reaches anything it
 * spawned that would otherwise keep the output pipes open and outlive us. This is `spawn` rather
 * than `execFile` because execFile forwards only some options to spawn and drops `detached`.
 * On Windows certreq and certutil start no helpers; TerminateProcess on the child is enough.
 */
import { type ChildProcess, spawn } from "node:child_process";

/** Far more than certreq ever prints; a runaway program is cut off rather than buffered. */
const MAX_OUTPUT_BYTES = 1024 * 1024;

export type CommandRun =
  | { readonly kind: "exited"; readonly exitCode: number; readonly stdout: string; readonly stderr: string }
  | { readonly kind: "killed"; readonly signal: string; readonly stdout: string; readonly stderr: string }
  | { readonly kind: "timed-out"; readonly stdout: string; readonly stderr: string }
  /** the program could not be started (ENOENT, EACCES…) or flooded its output */
  | { readonly kind: "failed"; readonly message: string };

export interface RunOptions {
  readonly timeoutMs: number;
  readonly cwd?: string | undefined;
}

export function runCommand(file: string, args: readonly string[], options: RunOptions): Promise<CommandRun> {
  return new Promise((resolve) => {
    let settled = false;
    let timedOut = false;
    let overflow = false;
    let spawnError: NodeJS.ErrnoException | undefined;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let size = 0;

    const child = spawn(file, [...args], {
      shell: false,
      windowsHide: true,
      detached: process.platform !== "win32",
      stdio: ["pipe", "pipe", "pipe"],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_OUTPUT_BYTES) {
        overflow = true;
        killGroup(child);
        return;
      }
      into.push(chunk);
    };
    child.stdout?.on("data", collect(stdout));
    child.stderr?.on("data", collect(stderr));
    // A child that exits before reading stdin makes end() fail with EPIPE: harmless.
    child.stdin?.on("error", () => undefined);
    child.stdin?.end();

    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, options.timeoutMs);

    const finish = (run: CommandRun): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(run);
    };
    child.on("error", (err: NodeJS.ErrnoException) => {
      spawnError = err;
      // No process: 'close' may never come.
      if (child.pid === undefined) finish({ kind: "failed", message: `${file} could not be started (${err.code ?? err.message})` });
    });
    // 'close' comes after the pipes are drained, so the output is complete.
    child.on("close", (exitCode: number | null, signal: NodeJS.Signals | null) => {
      const out = Buffer.concat(stdout).toString("utf8");
      const err = Buffer.concat(stderr).toString("utf8");
      if (timedOut) return finish({ kind: "timed-out", stdout: out, stderr: err });
      if (overflow) return finish({ kind: "failed", message: `${file} printed more than ${MAX_OUTPUT_BYTES} bytes` });
      if (spawnError) return finish({ kind: "failed", message: `${file} failed (${spawnError.code ?? spawnError.message})` });
      if (exitCode !== null) return finish({ kind: "exited", exitCode, stdout: out, stderr: err });
      return finish({ kind: "killed", signal: signal ?? "an unknown signal", stdout: out, stderr: err });
    });
  });
}

function killGroup(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  try {
    if (process.platform === "win32") child.kill();
    else process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone: nothing left to kill.
  }
}
