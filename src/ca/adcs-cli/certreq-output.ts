/**
 * What a certreq run meant, decided from its exit code, its output and whether it wrote the
 * certificate file — adcs.md §2.2's recommended classifier. English phrases are only a hint:
 * certreq prints them in the Windows display language, so every decision also has a form that
 * rests on what does not change with the language — the exit code, the file, the request id
 * number and the HRESULTs.
 */
import { type FoundHresult, explainHresult, findFailureHresults } from "./hresult.js";

export interface CertreqRun {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** the certificate output file exists and is not empty */
  readonly certificateWritten: boolean;
}

export type CertreqResult =
  | { readonly kind: "issued"; readonly requestId: string | undefined }
  | { readonly kind: "pending"; readonly requestId: string }
  | { readonly kind: "denied"; readonly reason: string; readonly requestId: string | undefined }
  /** nothing was decided at the CA that we can tell; `message` is for the operator's log */
  | { readonly kind: "unavailable"; readonly message: string };

const PENDING_TEXT = /Taken Under Submission|request is pending/i;
const DENIED_TEXT = /\(Denied\)|Denied by|not issued/i;

export function classifyCertreq(run: CertreqRun): CertreqResult {
  const text = `${run.stdout}\n${run.stderr}`;
  const failures = findFailureHresults(text);
  const requestId = findRequestId(text);
  const denialText = DENIED_TEXT.test(text) && !PENDING_TEXT.test(text);

  // A written certificate is the one signal no language changes. A non-zero exit beside it (a
  // warning) does not undo the issuance, and refusing it would leave an orphan at the CA.
  if (run.certificateWritten && (run.exitCode === 0 || (failures.length === 0 && !denialText))) {
    return { kind: "issued", requestId };
  }
  const unavailable = failures.find((found) => found.known?.kind === "unavailable");
  if (unavailable) return { kind: "unavailable", message: `certreq: ${explainHresult(unavailable)}` };
  if (requestId !== undefined && PENDING_TEXT.test(text)) return { kind: "pending", requestId };

  const first = failures[0];
  if (denialText || first?.known?.kind === "denial" || (requestId !== undefined && first !== undefined)) {
    return { kind: "denied", reason: denialReason(first, dispositionMessage(text, first), requestId), requestId };
  }
  // Localised pending: exit 0, an id, no certificate and no error code (Posh-Certutil's model).
  if (requestId !== undefined && run.exitCode === 0 && failures.length === 0) return { kind: "pending", requestId };
  if (first !== undefined) return { kind: "unavailable", message: `certreq: ${explainHresult(first)}` };
  return { kind: "unavailable", message: `certreq exited with code ${run.exitCode} without a certificate, a request id or an error code: ${excerpt(text)}` };
}

/**
 * `RequestId: 7` / `RequestId: "7"` in English; when the label is translated, the quoted form
 * (`<label>: "7"`) is still recognisable by its shape.
 */
export function findRequestId(text: string): string | undefined {
  const labelled = /RequestId:\s*"?(\d+)"?/i.exec(text);
  if (labelled?.[1]) return labelled[1];
  return /^[^\r\n:"]{1,40}:\s*"(\d+)"\s*$/m.exec(text)?.[1];
}

/** "the CA denied the request: <decoded HRESULT>; the CA said: "<message>" (ADCS request N)" — shared with adcs-certsrv. */
export function denialReason(found: FoundHresult | undefined, message: string | undefined, requestId: string | undefined): string {
  const why = found === undefined ? "the CA denied the request" : `the CA denied the request: ${explainHresult(found)}`;
  const said = message === undefined ? "" : `; the CA said: "${message}"`;
  const id = requestId === undefined ? "" : ` (ADCS request ${requestId})`;
  return `${why}${said}${id}`;
}

/** The line carrying the disposition (the HRESULT's line, else the "Denied" line), tidied. */
function dispositionMessage(text: string, found: FoundHresult | undefined): string | undefined {
  const lines = text.split(/\r?\n/).map((line) => line.trim());
  const line =
    (found === undefined ? undefined : lines.find((candidate) => candidate.toLowerCase().includes(found.hex))) ??
    lines.find((candidate) => DENIED_TEXT.test(candidate));
  return line === undefined || line === "" ? undefined : excerpt(line);
}

/** Printable, single-line, bounded: tool output ends up in logs and problem documents. */
export function excerpt(text: string, max = 300): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}
