/**
 * ACME problem documents (RFC 8555 §6.7, RFC 7807).
 *
 * Certeasy has ONE internal error type for anything a client should see, `AcmeProblem`, and ONE
 * place that turns any thrown value into an HTTP response, `renderProblem`. Code below the HTTP
 * layer throws an `AcmeProblem` when the client is at fault; anything else is a bug or an outage
 * and becomes a generic `serverInternal` whose real cause goes to the log, never to the client
 * (DESIGN §2 invariant 10).
 */
import type { Logger } from "pino";
import { AuditMirrorError, isStoreUnavailable, LeaseLostError } from "../store/errors.js";

/** The error short names of RFC 8555 §6.7 (Table "Error Types"). */
export type AcmeErrorType =
  | "accountDoesNotExist"
  | "alreadyReplaced"
  | "alreadyRevoked"
  | "badCSR"
  | "badNonce"
  | "badPublicKey"
  | "badRevocationReason"
  | "badSignatureAlgorithm"
  | "caa"
  | "compound"
  | "connection"
  | "dns"
  | "externalAccountRequired"
  | "incorrectResponse"
  | "invalidContact"
  | "invalidProfile"
  | "malformed"
  | "orderNotReady"
  | "rateLimited"
  | "rejectedIdentifier"
  | "serverInternal"
  | "tls"
  | "unauthorized"
  | "unsupportedContact"
  | "unsupportedIdentifier"
  | "userActionRequired";

/** RFC 8555 §6.7: every ACME error type lives under this URN namespace. */
export const ACME_ERROR_NAMESPACE = "urn:ietf:params:acme:error:";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export interface AcmeIdentifier {
  readonly type: string;
  readonly value: string;
}

/** RFC 8555 §6.7.1: one failure among several, e.g. per identifier of a newOrder. */
export interface AcmeSubproblem {
  readonly type: AcmeErrorType;
  readonly detail: string;
  readonly identifier?: AcmeIdentifier;
}

export interface AcmeProblemInit {
  readonly type: AcmeErrorType;
  readonly status: number;
  readonly detail: string;
  readonly subproblems?: readonly AcmeSubproblem[];
  /** Sent as `Retry-After` (RFC 8555 §6.6 for `rateLimited`; also used for 503s). */
  readonly retryAfterSeconds?: number;
  /** RFC 8555 §6.2: a `badSignatureAlgorithm` problem MUST list the accepted `alg` values. */
  readonly algorithms?: readonly string[];
}

export class AcmeProblem extends Error {
  override readonly name = "AcmeProblem";
  readonly type: AcmeErrorType;
  readonly status: number;
  readonly detail: string;
  readonly subproblems: readonly AcmeSubproblem[] | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly algorithms: readonly string[] | undefined;

  constructor(init: AcmeProblemInit) {
    super(`${init.type} (${init.status}): ${init.detail}`);
    this.type = init.type;
    this.status = init.status;
    this.detail = init.detail;
    this.subproblems = init.subproblems;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.algorithms = init.algorithms;
  }
}

/** The JSON body of a problem document as sent on the wire. */
export interface ProblemDocument {
  readonly type: string;
  readonly detail: string;
  readonly status: number;
  readonly subproblems?: readonly {
    readonly type: string;
    readonly detail: string;
    readonly identifier?: AcmeIdentifier;
  }[];
  readonly algorithms?: readonly string[];
}

export function problemDocument(problem: AcmeProblem): ProblemDocument {
  const base = {
    type: ACME_ERROR_NAMESPACE + problem.type,
    detail: problem.detail,
    status: problem.status,
    ...(problem.algorithms ? { algorithms: problem.algorithms } : {}),
  };
  if (!problem.subproblems || problem.subproblems.length === 0) return base;
  return {
    ...base,
    subproblems: problem.subproblems.map((s) => ({
      type: ACME_ERROR_NAMESPACE + s.type,
      detail: s.detail,
      ...(s.identifier ? { identifier: s.identifier } : {}),
    })),
  };
}

/** What the client sees for any failure that is not an `AcmeProblem`. */
const GENERIC_INTERNAL_DETAIL = "The server hit an internal error; the request was not completed.";

export interface RenderProblemOptions {
  readonly log: Logger;
  /**
   * Headers added to every problem response. This is where the nonce layer puts a fresh
   * `Replay-Nonce` (RFC 8555 §6.5: error responses carry one too) and where a `Link: rel="index"`
   * can go; the renderer itself stays ignorant of nonces.
   */
  readonly extraHeaders?: Readonly<Record<string, string>>;
}

/** Turns any thrown value into an RFC 8555 problem response. The only place that does so. */
export function renderProblem(error: unknown, options: RenderProblemOptions): Response {
  const problem = asAcmeProblem(error, options.log);
  const headers = new Headers(options.extraHeaders);
  headers.set("Content-Type", PROBLEM_CONTENT_TYPE);
  headers.set("Cache-Control", "no-store");
  if (problem.retryAfterSeconds !== undefined) {
    headers.set("Retry-After", String(Math.max(0, Math.ceil(problem.retryAfterSeconds))));
  }
  return new Response(JSON.stringify(problemDocument(problem)), { status: problem.status, headers });
}

/** Seconds a client is asked to wait while the database is unreachable. */
const DATABASE_RETRY_AFTER_SECONDS = 5;

/** Seconds a client is asked to wait on a node that lost the lease: by then the LB has moved on. */
const STOOD_DOWN_RETRY_AFTER_SECONDS = 5;

/** 503 serverInternal with Retry-After: a node that does not serve ACME now (DESIGN §2 invariant 8). */
const notServingProblem = (detail: string, retryAfterSeconds: number): AcmeProblem =>
  new AcmeProblem({ type: "serverInternal", status: 503, detail, retryAfterSeconds });

/** What a node that lost the writer lease answers to every ACME request (DESIGN §2 invariant 8). */
export function stoodDownProblem(): AcmeProblem {
  return notServingProblem(
    "This Certeasy node is no longer the active node (another node holds the writer lease); nothing was changed. Retry later.",
    STOOD_DOWN_RETRY_AFTER_SECONDS,
  );
}

/** Seconds a client is asked to wait on a standby: about one lease TTL, when it may have taken over. */
const STANDBY_RETRY_AFTER_SECONDS = 5;

/**
 * What a warm standby (`serve --standby`) answers to every ACME request: it holds no lease and
 * owns no nonces or state to answer with. 503 with Retry-After, like a node that stood down, so
 * clients retry and a load balancer (whose `/readyz` probe fails here) routes to the active node.
 */
export function standingByProblem(): AcmeProblem {
  return notServingProblem(
    "This Certeasy node is a standby: it serves ACME only once it takes over from the active node; nothing was changed. Retry later.",
    STANDBY_RETRY_AFTER_SECONDS,
  );
}

/** Seconds a client is asked to wait while the audit file cannot be written (an operator must act). */
const AUDIT_RETRY_AFTER_SECONDS = 60;

/**
 * What every write is answered once the audit file could not be written (disk full, file system
 * read-only, I/O error): DESIGN §2 invariant 7 forbids acknowledging an event that is not
 * mirrored, so the node acknowledges nothing more until it is restarted with a writable file.
 * The request that met the failure may have been committed (it is re-mirrored at the next
 * boot); it is not acknowledged, and a client retrying it later is what ACME expects.
 */
export function auditStoppedProblem(error: AuditMirrorError): AcmeProblem {
  const code = causeCode(error);
  return new AcmeProblem({
    type: "serverInternal",
    status: 503,
    detail: `The server cannot write its audit file${code ? ` (${code})` : ""}, so it acknowledges no change until an operator has fixed it and restarted the server. Retry later.`,
    retryAfterSeconds: AUDIT_RETRY_AFTER_SECONDS,
  });
}

/** The first `code` (ENOSPC, EROFS, EIO…) along the cause chain. */
function causeCode(error: unknown): string | undefined {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

function asAcmeProblem(error: unknown, log: Logger): AcmeProblem {
  if (error instanceof AcmeProblem) {
    if (error.status >= 500) log.error({ err: error }, "request failed with a server-side problem");
    return error;
  }
  if (error instanceof LeaseLostError) {
    // Fenced by the lease: another node is active. Nothing was committed here.
    log.warn({ err: error }, "append refused: the writer lease is held by another node; answering 503");
    return stoodDownProblem();
  }
  if (error instanceof AuditMirrorError) {
    log.warn({ err: error }, "write refused: the audit file cannot be written; answering 503");
    return auditStoppedProblem(error);
  }
  if (isStoreUnavailable(error)) {
    // Nothing was committed; the pool reconnects by itself, so "try again shortly" is the truth.
    log.warn({ err: error }, "database unavailable; answering 503");
    return new AcmeProblem({
      type: "serverInternal",
      status: 503,
      detail: "The server cannot reach its database right now; nothing was changed. Retry later.",
      retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
    });
  }
  log.error({ err: error }, "unhandled error while serving a request");
  return new AcmeProblem({ type: "serverInternal", status: 500, detail: GENERIC_INTERNAL_DETAIL });
}
