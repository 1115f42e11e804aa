/**
 * certutil's verdict on `-revoke` and `-ping`. en-US certutil ends with
 * `CertUtil: -<verb> command completed successfully.` or `CertUtil: -<verb> command FAILED: 0x…`
 * (adcs.md §2.2); the words are localised, so success is "exit 0 and no failure HRESULT" and the
 * English line only confirms it.
 */
import { explainHresult, findFailureHresults } from "./hresult.js";
import { excerpt } from "./certreq-output.js";

export interface CertutilRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type CertutilVerdict =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly detail: string };

const COMPLETED = /command completed successfully/i;
const FAILED = /command FAILED/i;
/** `Server "Corp Issuing CA 1" ICertRequest2 interface is alive (16ms)` */
const ALIVE = /interface is alive/i;

export function classifyCertutil(verb: string, run: CertutilRun): CertutilVerdict {
  const text = `${run.stdout}\n${run.stderr}`;
  const [failure] = findFailureHresults(text);
  if (run.exitCode === 0 && failure === undefined && !FAILED.test(text)) {
    const lines = text.split(/\r?\n/).filter((candidate) => candidate.trim() !== "");
    // In another language neither English line matches: the last line is certutil's verdict.
    const line = lines.find((candidate) => ALIVE.test(candidate)) ?? lines.find((candidate) => COMPLETED.test(candidate)) ?? lines.at(-1);
    return { ok: true, detail: excerpt(line ?? `certutil -${verb} succeeded`) };
  }
  if (failure !== undefined) return { ok: false, detail: `certutil -${verb} failed: ${explainHresult(failure)}` };
  return { ok: false, detail: `certutil -${verb} exited with code ${run.exitCode} without an error code: ${excerpt(text) || "no output"}` };
}

/**
 * The template names in `certutil -CATemplates` output: one line per template the CA publishes,
 * `<cn>: <display name> -- <enrolment status>` (the cn is never localised; the rest is).
 */
export function publishedTemplates(stdout: string): readonly string[] {
  return stdout
    .split(/\r?\n/)
    .map((line) => /^([^\s:][^:]*): /.exec(line)?.[1]?.trim())
    .filter((name): name is string => name !== undefined && !/^certutil$/i.test(name));
}
