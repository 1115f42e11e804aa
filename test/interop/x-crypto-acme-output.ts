/**
 * What x-crypto-acme (x-crypto-acme/main.go) prints: one JSON object a line, `event` naming
 * it. `http` lines are every exchange with the server, as x/crypto/acme made them — the
 * problem documents it reads and does not return (a second revocation's alreadyRevoked, the
 * accountDoesNotExist behind ErrNoAccount) and the Retry-After fields it waits on are found
 * there; an `error` line ends a failed command with the *acme.Error it returned (RFC 8555
 * §6.7).
 */
import { eventLines, isRecord, strings, text, type EventLine } from "./json-lines.js";

export interface XcryptoProblem {
  /** the full type, `urn:ietf:params:acme:error:…` */
  readonly type: string;
  readonly detail: string;
  /** the HTTP status x/crypto kept as Error.StatusCode */
  readonly status: number;
  readonly subproblems: readonly { readonly type: string; readonly detail: string; readonly identifier?: { readonly type: string; readonly value: string } }[];
}

export interface XcryptoError {
  readonly message: string;
  /** the Go type of the error: `acme.Error`, `acme.AuthorizationError`, `acme.ErrNoAccount`, … */
  readonly kind: string;
  readonly problem: XcryptoProblem | null;
}

export interface HttpExchange {
  readonly method: string;
  readonly url: string;
  /** when the request went out and when its answer came, ms since the epoch */
  readonly sent: number;
  readonly at: number;
  /** 0 when the request failed without an answer */
  readonly status: number;
  readonly retryAfter: string | null;
  /** a problem document's type and detail, when the answer was one */
  readonly problem: { readonly type: string; readonly detail: string } | null;
  readonly links: readonly string[];
}

export interface XcryptoOutput {
  readonly lines: readonly EventLine[];
  readonly exchanges: readonly HttpExchange[];
  readonly error: XcryptoError | null;
}

const number = (value: unknown): number => (typeof value === "number" ? value : 0);

function problemOf(value: unknown): XcryptoProblem | null {
  if (!isRecord(value) || typeof value["type"] !== "string") return null;
  const subproblems = (Array.isArray(value["subproblems"]) ? value["subproblems"] : []).filter(isRecord).map((entry) => {
    const identifier = entry["identifier"];
    return {
      type: text(entry["type"]),
      detail: text(entry["detail"]),
      ...(isRecord(identifier) ? { identifier: { type: text(identifier["type"]), value: text(identifier["value"]) } } : {}),
    };
  });
  return { type: value["type"], detail: text(value["detail"]), status: number(value["status"]), subproblems };
}

function exchangeOf(fields: Readonly<Record<string, unknown>>): HttpExchange {
  const problem = fields["problem"];
  const links = fields["links"];
  return {
    method: text(fields["method"]),
    url: text(fields["url"]),
    sent: number(fields["sent"]),
    at: number(fields["at"]),
    status: number(fields["status"]),
    retryAfter: typeof fields["retryAfter"] === "string" ? fields["retryAfter"] : null,
    problem: isRecord(problem) ? { type: text(problem["type"]), detail: text(problem["detail"]) } : null,
    links: strings(links),
  };
}

/** Every JSON line of `stdout` (anything else, e.g. a Go panic, is left to the evidence). */
export function parseXcryptoOutput(stdout: string): XcryptoOutput {
  const lines = eventLines(stdout);
  const errorLine = lines.findLast((line) => line.event === "error");
  const error = errorLine === undefined ? null : { message: text(errorLine.fields["message"]), kind: text(errorLine.fields["kind"]), problem: problemOf(errorLine.fields["problem"]) };
  return { lines, exchanges: lines.filter((line) => line.event === "http").map((line) => exchangeOf(line.fields)), error };
}

/** The lines of one event, oldest first. */
export function linesOf(output: XcryptoOutput, event: string): Readonly<Record<string, unknown>>[] {
  return output.lines.filter((line) => line.event === event).map((line) => line.fields);
}

/** How much sooner than its Retry-After (RFC 9110 §10.2.3, RFC 8555 §7.5.1) the same resource was asked again. */
export interface EarlyPoll {
  readonly url: string;
  readonly askedMs: number;
  readonly waitedMs: number;
}

/**
 * The polls among `exchanges`: an answer, and the request right after it for the same URL.
 * A read separated from the next read by another request is not a poll: the client read the
 * authorization, then answered its challenge (RFC 8555 §7.5.1), and may look at once.
 */
function polls(exchanges: readonly HttpExchange[]): { readonly answer: HttpExchange; readonly next: HttpExchange }[] {
  return exchanges.flatMap((answer, index) => {
    const next = exchanges[index + 1];
    return next !== undefined && next.url === answer.url && next.method === answer.method ? [{ answer, next }] : [];
  });
}

/**
 * Each poll whose answer had a Retry-After in seconds: the next request must not have been sent
 * before the time asked (`toleranceMs` for clock granularity). The polls that came too early;
 * none when the client honoured every Retry-After.
 */
export function earlyPolls(exchanges: readonly HttpExchange[], toleranceMs = 50): EarlyPoll[] {
  return polls(exchanges).flatMap(({ answer, next }): EarlyPoll[] => {
    if (answer.retryAfter === null || !/^\d+$/.test(answer.retryAfter)) return [];
    const askedMs = Number(answer.retryAfter) * 1000;
    const waitedMs = next.sent - answer.at;
    return waitedMs + toleranceMs < askedMs ? [{ url: answer.url, askedMs, waitedMs }] : [];
  });
}

/** The polls that followed an answer with a Retry-After: how many the check above looked at. */
export function pollsAfterRetryAfter(exchanges: readonly HttpExchange[]): number {
  return polls(exchanges).filter(({ answer }) => answer.retryAfter !== null).length;
}
