/**
 * One interop scenario = one line of the report: `PASS certbot http-01 issue (1.2s)` or
 * `FAIL … : reason`, with what the client printed and what the server logged meanwhile when it
 * failed, and a closing `N passed, N failed`.
 */
import { describeExit, type ProgramResult } from "./processes.js";

/** A check that did not hold, in a sentence a reader of the report understands. */
export class ScenarioFailure extends Error {
  override readonly name = "ScenarioFailure";
  /** the client's output (or other evidence) worth showing under the FAIL line */
  readonly evidence: string;

  constructor(reason: string, evidence = "") {
    super(reason);
    this.evidence = evidence;
  }
}

export interface Scenario {
  readonly name: string;
  run(): Promise<void>;
}

export interface ScenarioResult {
  readonly name: string;
  readonly passed: boolean;
  readonly ms: number;
  readonly reason?: string;
  readonly evidence?: string;
}

/** The last `count` non-empty lines of `text`, indented for the report, each cut at `width`. */
export function tail(text: string, count: number, width = 400): string {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  return lines
    .slice(-count)
    .map((line) => `    ${line.length > width ? `${line.slice(0, width)}…` : line}`)
    .join("\n");
}

export function formatResult(result: ScenarioResult): string {
  const seconds = `${(result.ms / 1000).toFixed(1)}s`;
  return result.passed ? `PASS ${result.name} (${seconds})` : `FAIL ${result.name} (${seconds}): ${result.reason ?? "failed"}`;
}

export function formatSummary(results: readonly ScenarioResult[]): string {
  const passed = results.filter((result) => result.passed).length;
  return `${passed} passed, ${results.length - passed} failed`;
}

export async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  const started = performance.now();
  try {
    await scenario.run();
    return { name: scenario.name, passed: true, ms: performance.now() - started };
  } catch (error) {
    const ms = performance.now() - started;
    if (error instanceof ScenarioFailure) return { name: scenario.name, passed: false, ms, reason: error.message, evidence: error.evidence };
    const reason = error instanceof Error ? error.message : String(error);
    return { name: scenario.name, passed: false, ms, reason: `unexpected error: ${reason}` };
  }
}

/** A client command that had to succeed: its exit, and its last lines as evidence. */
export function requireSuccess(result: ProgramResult, what: string): void {
  if (result.code === 0 && !result.timedOut) return;
  throw new ScenarioFailure(`${what} ${describeExit(result)}`, tail(`${result.stdout}\n${result.stderr}`, 15));
}
