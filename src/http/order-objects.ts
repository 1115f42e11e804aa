/**
 * The order, authorization and challenge objects of RFC 8555 §7.1.3–7.1.5, rendered from the
 * projected rows or the committed order state (order-views.ts), with expiry applied at the time
 * of the request (domain/order/expiry.ts).
 */
import type { AuthorizationRow, ChallengeRow, OrderRow } from "../../projections/index.js";
import { effectiveAuthorizationStatus, effectiveOrderStatus } from "../domain/order/expiry.js";
import type { Identifier } from "../domain/order/identifiers.js";
import { authorizationPath, certificatePath, challengePath, finalizePath } from "./acme-paths.js";
import type { AuthorizationView, ChallengeView, OrderView } from "./order-views.js";
import { ACME_ERROR_NAMESPACE as NAMESPACE } from "./problem.js";

export interface ProblemObject {
  readonly type: string;
  readonly detail: string;
  /** RFC 7807 §3.1; added when rendered (embeddedStatus), never stored */
  readonly status?: number;
  readonly subproblems?: readonly { readonly type: string; readonly detail: string; readonly identifier: Identifier }[];
}

export interface OrderObject {
  readonly status: OrderRow["status"];
  readonly expires: string;
  readonly identifiers: readonly Identifier[];
  readonly notBefore?: string;
  readonly notAfter?: string;
  readonly error?: ProblemObject;
  readonly authorizations: readonly string[];
  readonly finalize: string;
  readonly certificate?: string;
  readonly profile?: string;
}

export interface ChallengeObject {
  readonly type: ChallengeRow["type"];
  readonly url: string;
  readonly status: ChallengeRow["status"];
  readonly token: string;
  readonly validated?: string;
  readonly error?: ProblemObject;
}

export interface AuthorizationObject {
  readonly identifier: Identifier;
  readonly status: AuthorizationRow["status"] | "expired";
  readonly expires: string;
  readonly challenges: readonly ChallengeObject[];
  readonly wildcard?: true;
}

const iso = (ms: number): string => new Date(ms).toISOString();

export function orderObject(order: OrderView, base: string, now: Date): OrderObject {
  const status = effectiveOrderStatus(order, now);
  const expiredNow = status === "invalid" && order.status !== "invalid";
  const error: ProblemObject | undefined =
    order.error ?? (expiredNow ? { type: "urn:ietf:params:acme:error:malformed", detail: "The order expired before it was finalized." } : undefined);
  return {
    status,
    expires: iso(order.expiresAt),
    identifiers: order.identifiers,
    ...(order.notBefore !== null ? { notBefore: iso(order.notBefore) } : {}),
    ...(order.notAfter !== null ? { notAfter: iso(order.notAfter) } : {}),
    ...(error ? { error: withNamespace(error) } : {}),
    authorizations: order.authorizationIds.map((id) => base + authorizationPath(id)),
    finalize: base + finalizePath(order.orderId),
    ...(order.certificateId !== null && order.status === "valid" ? { certificate: base + certificatePath(order.certificateId) } : {}),
    ...(order.profile !== null ? { profile: order.profile } : {}),
  };
}

export function challengeObject(challenge: ChallengeView, base: string): ChallengeObject {
  return {
    type: challenge.type,
    url: base + challengePath(challenge.challengeId),
    status: challenge.status,
    token: challenge.token,
    ...(challenge.validatedAt !== null ? { validated: iso(challenge.validatedAt) } : {}),
    ...(challenge.error !== null ? { error: withNamespace(JSON.parse(challenge.error) as ProblemObject) } : {}),
  };
}

/** Challenge order is fixed (creation order) so clients that take the first offered behave the same every time. */
export function authorizationObject(
  authorization: AuthorizationView,
  challenges: readonly ChallengeView[],
  base: string,
  now: Date,
): AuthorizationObject {
  const status = effectiveAuthorizationStatus(authorization, now);
  // RFC 8555 §7.1.4: a valid authorization lists the challenge that validated it (others may be omitted).
  const shown = status === "valid" ? challenges.filter((c) => c.status === "valid") : challenges;
  return {
    identifier: { type: authorization.identifierType, value: authorization.identifierValue },
    status,
    expires: iso(authorization.expiresAt),
    challenges: [...shown].sort(byType).map((c) => challengeObject(c, base)),
    ...(authorization.wildcard ? { wildcard: true as const } : {}),
  };
}

const TYPE_ORDER: Readonly<Record<ChallengeRow["type"], number>> = { "http-01": 0, "dns-01": 1, "tls-alpn-01": 2 };
const byType = (a: ChallengeView, b: ChallengeView): number => TYPE_ORDER[a.type] - TYPE_ORDER[b.type];


/** Events record the short RFC 8555 §6.7 type; clients get the URN, and a status. */
function withNamespace(problem: ProblemObject): ProblemObject {
  const full = (type: string): string => (type.startsWith("urn:") ? type : NAMESPACE + type);
  return {
    type: full(problem.type),
    detail: problem.detail,
    status: embeddedStatus(problem.type.startsWith(NAMESPACE) ? problem.type.slice(NAMESPACE.length) : problem.type),
    ...(problem.subproblems ? { subproblems: problem.subproblems.map((s) => ({ ...s, type: full(s.type) })) } : {}),
  };
}

/**
 * RFC 7807 §3.1 `status` of a problem an order or a challenge carries as its `error` (RFC 8555
 * §7.1.3, §7.1.5): the status this server would have answered with, had a request failed with
 * that problem. Optional in RFC 7807, but clients print it: Caddy logs a failed validation as
 * "HTTP 0" without it.
 */
function embeddedStatus(type: string): number {
  switch (type) {
    case "serverInternal":
      return 500;
    case "rateLimited":
      return 429;
    case "unauthorized":
    case "caa":
    case "orderNotReady":
    case "userActionRequired":
      return 403;
    default:
      return 400;
  }
}
