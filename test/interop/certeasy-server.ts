/**
 * A freshly started Certeasy for the clients: its own workdir and config.yml in the run's temp
 * dir, `certeasy serve` as a child process, ready once it printed its banner and /readyz
 * answers 200 — what an operator following the README does.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { CERTEASY_BIN, REPO_ROOT } from "../e2e/children.js";
import { httpsGet } from "../e2e/https.js";
import { interopConfigYaml, type InteropConfig } from "./config.js";
import { RunningProgram, clientEnv, runProgram, type ProgramResult } from "./processes.js";

export interface CerteasyServer {
  readonly directoryUrl: string;
  /** the root CA the clients must trust (printed by `serve`) */
  readonly rootCaPath: string;
  readonly configPath: string;
  /** everything the server logged so far (JSON lines on stderr) */
  stderr(): string;
  /** `certeasy <args> -f <config>` as a one-shot command */
  cli(...args: string[]): Promise<ProgramResult>;
  /** SIGTERM and wait: a clean stop drains and exits 0 (README). */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const BANNER = /^ACME directory: (\S+)$/m;
const ROOT_CA = /^Trust this CA certificate in ACME clients: (.+)$/m;

async function until(what: string, program: RunningProgram, ready: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await ready())) {
    if (program.hasExited) throw new Error(`certeasy serve exited before ${what}.\nstdout:\n${program.stdout}\nstderr:\n${program.stderr}`);
    if (performance.now() > deadline) throw new Error(`certeasy serve: no ${what} within ${timeoutMs} ms.\nstdout:\n${program.stdout}\nstderr:\n${program.stderr}`);
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
  }
}

export async function startCerteasy(directory: string, config: Omit<InteropConfig, "workdir">): Promise<CerteasyServer> {
  const workdir = join(directory, "workdir");
  await mkdir(workdir, { recursive: true });
  const configPath = join(directory, "config.yml");
  await writeFile(configPath, interopConfigYaml({ ...config, workdir }));
  const env = clientEnv({ FORCE_COLOR: "0" });
  const program = new RunningProgram(process.execPath, [CERTEASY_BIN, "serve", "-f", configPath], { cwd: REPO_ROOT, env });
  try {
    await until('the "ACME directory:" banner', program, () => BANNER.test(program.stdout) && ROOT_CA.test(program.stdout), 45_000);
    const directoryUrl = BANNER.exec(program.stdout)?.[1] ?? "";
    const rootCaPath = (ROOT_CA.exec(program.stdout)?.[1] ?? "").trim();
    const rootCa = await readFile(rootCaPath, "utf8");
    // Hydration of the in-memory projections may lag the banner: clients wait for /readyz.
    const readyz = new URL("/readyz", directoryUrl).href;
    await until("200 from /readyz", program, async () => (await httpsGet(readyz, rootCa).catch(() => ({ status: 0 }))).status === 200, 30_000);
    return {
      directoryUrl,
      rootCaPath,
      configPath,
      stderr: () => program.stderr,
      cli: (...args) => runProgram(process.execPath, [CERTEASY_BIN, ...args, "-f", configPath], { cwd: REPO_ROOT, env, timeoutMs: 45_000 }),
      stop: () => program.stop(20_000),
    };
  } catch (error) {
    await program.stop(5000);
    throw error;
  }
}
