/**
 * What the order, authorization and challenge objects (order-objects.ts) are rendered from: the
 * projected rows, or the order as its last commit left it — the command's outcome, or the order
 * service's memory of orders in flight. The `…OfState` functions give the columns that
 * projections/tables/orders.ts writes from the same events, so both answers are the same
 * (test/http/order-views.test.ts), and an answer from the state needs no read.
 */
import { canonicalJson } from "../../events/index.js";
import type { AuthorizationRow, ChallengeRow, OrderRow } from "../../projections/index.js";
import type { Identifier } from "../domain/order/identifiers.js";
import type { AuthorizationState, ChallengeState, OrderState, OrderStatus } from "../domain/order/state.js";
import type { ProblemObject } from "./order-objects.js";

export interface OrderView {
  readonly orderId: string;
  readonly accountId: string;
  readonly status: OrderStatus;
  /** epoch ms */
  readonly expiresAt: number;
  readonly identifiers: readonly Identifier[];
  readonly notBefore: number | null;
  readonly notAfter: number | null;
  readonly error: ProblemObject | null;
  readonly authorizationIds: readonly string[];
  readonly certificateId: string | null;
  readonly profile: string | null;
}

export function orderViewOfRow(row: OrderRow): OrderView {
  return {
    orderId: row.orderId,
    accountId: row.accountId,
    status: row.status,
    expiresAt: row.expiresAt,
    identifiers: JSON.parse(row.identifiers) as Identifier[],
    notBefore: row.notBefore,
    notAfter: row.notAfter,
    error: row.error === null ? null : (JSON.parse(row.error) as ProblemObject),
    authorizationIds: JSON.parse(row.authorizationIds) as string[],
    certificateId: row.certificateId,
    profile: row.profile,
  };
}

/** The order as its events leave it: the columns projections/tables/orders.ts writes from the same events. */
export function orderViewOfState(state: OrderState): OrderView {
  const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));
  return {
    orderId: state.orderId,
    accountId: state.accountId,
    status: state.status,
    expiresAt: Date.parse(state.expires),
    identifiers: state.identifiers,
    notBefore: ms(state.notBefore),
    notAfter: ms(state.notAfter),
    error: state.error,
    authorizationIds: state.authorizationIds,
    certificateId: state.certificate?.certificateId ?? null,
    profile: state.profile,
  };
}

export type AuthorizationView = Pick<
  AuthorizationRow,
  "authzId" | "orderId" | "accountId" | "identifierType" | "identifierValue" | "wildcard" | "status" | "expiresAt"
>;

/** An authorization of `order` as its events leave it. */
export function authorizationViewOfState(order: OrderState, authorization: AuthorizationState): AuthorizationView {
  return {
    authzId: authorization.authzId,
    orderId: order.orderId,
    accountId: order.accountId,
    identifierType: authorization.identifier.type,
    identifierValue: authorization.identifier.value,
    wildcard: authorization.wildcard,
    status: authorization.status,
    expiresAt: Date.parse(authorization.expires),
  };
}

export type ChallengeView = Pick<ChallengeRow, "challengeId" | "type" | "token" | "status" | "validatedAt" | "error">;

/** The challenge as its events leave it: the columns the projection writes from the same events. */
export function challengeViewOfState(challenge: ChallengeState): ChallengeView {
  return {
    challengeId: challenge.challengeId,
    type: challenge.type,
    token: challenge.token,
    status: challenge.status,
    validatedAt: challenge.validated === null ? null : Date.parse(challenge.validated),
    error: challenge.error === null ? null : canonicalJson(challenge.error),
  };
}
