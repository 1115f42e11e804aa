/**
 * Reading Caddy's JSON log (one object per line on stderr) and Certeasy's (pino, the same shape):
 * why Caddy could not get a certificate, and which challenge type the server validated.
 */
import type { AcmeError } from "./acme-errors.js";

interface LogEntry {
  readonly level?: unknown;
  readonly msg?: unknown;
  readonly error?: unknown;
  readonly type?: unknown;
  readonly identifier?: unknown;
  readonly status?: unknown;
}

function entries(log: string): LogEntry[] {
  return log.split("\n").flatMap((line): LogEntry[] => {
    if (!line.startsWith("{")) return [];
    try {
      const entry: unknown = JSON.parse(line);
      return typeof entry === "object" && entry !== null ? [entry as LogEntry] : [];
    } catch {
      return [];
    }
  });
}

/** Caddy's `could not get certificate from issuer` errors, oldest first, as it logged them. */
export function caddyIssuanceErrors(log: string): string[] {
  return entries(log)
    .filter((entry) => entry.msg === "could not get certificate from issuer" && typeof entry.error === "string")
    .map((entry) => String(entry.error));
}

// acmez renders the server's problem document (RFC 8555 §6.7) as `HTTP 400 <type> - <detail>`;
// a failed challenge's error, read from the authorization, as `HTTP 0 <type> - <detail>`.
const CADDY_PROBLEM = /HTTP \d+ urn:ietf:params:acme:error:([A-Za-z]+) - (.*)$/;

/** The ACME problem behind Caddy's last failed issuance, or null when there is none. */
export function caddyLastProblem(log: string): AcmeError | null {
  const match = CADDY_PROBLEM.exec(caddyIssuanceErrors(log).at(-1) ?? "");
  return match === null ? null : { type: match[1] ?? "", detail: (match[2] ?? "").trim() };
}

/** The challenge types Certeasy's validator found valid for `identifier` (its `challenge validated` lines). */
export function validatedChallengeTypes(serverLog: string, identifier: string): string[] {
  return entries(serverLog)
    .filter((entry) => entry.msg === "challenge validated" && entry.identifier === identifier && entry.status === "valid")
    .map((entry) => String(entry.type));
}
