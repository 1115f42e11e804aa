/**
 * An order as its stream tells it (RFC 8555 §7.1.3, §7.1.6): `evolveOrder` folds one event in,
 * so the command handler rebuilds the order — its own authorizations and challenges, the
 * finalization and the certificate — from `order:<orderId>` before deciding on it.
 */
import type { CerteasyEvent, ChallengeType, RecordedProblem } from "../../../events/index.js";
import type { Identifier } from "./identifiers.js";

export type OrderStatus = "pending" | "ready" | "processing" | "valid" | "invalid";
export type AuthorizationStatus = "pending" | "valid" | "invalid" | "deactivated";
export type ChallengeStatus = "pending" | "processing" | "valid" | "invalid";

export interface ChallengeState {
  readonly challengeId: string;
  readonly type: ChallengeType;
  readonly token: string;
  readonly status: ChallengeStatus;
  readonly keyAuthorization: string | null;
  readonly validated: string | null;
  readonly error: RecordedProblem | null;
}

export interface AuthorizationState {
  readonly authzId: string;
  readonly identifier: Identifier;
  readonly wildcard: boolean;
  readonly status: AuthorizationStatus;
  /** ISO time; a pending authorization's deadline, then the end of a valid one's reuse window */
  readonly expires: string;
  readonly challenges: readonly ChallengeState[];
}

/** What the CA's answer tells about a certificate (RecordIssued carries exactly this). */
export interface CertificateFacts {
  readonly certificateId: string;
  readonly serial: string;
  readonly aki: string;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly chainPem: string;
  readonly spkiSha256: string;
}

export interface CertificateState extends CertificateFacts {
  readonly authority: string;
  readonly revocation: { readonly reason: number } | null;
}

export interface OrderState {
  readonly orderId: string;
  readonly accountId: string;
  readonly status: OrderStatus;
  readonly identifiers: readonly Identifier[];
  readonly identifiersHash: string;
  readonly notBefore: string | null;
  readonly notAfter: string | null;
  readonly expires: string;
  /** the issuance policy pinned at creation: its CSR rules apply at finalization */
  readonly policy: string;
  readonly profile: string | null;
  readonly replacesCertificateId: string | null;
  readonly authorizationIds: readonly string[];
  /** the authorizations this order created (reused ones live in their own order's stream) */
  readonly authorizations: readonly AuthorizationState[];
  readonly error: RecordedProblem | null;
  /** from finalization on: the CSR (base64url DER) and what its checks found */
  readonly csr: string | null;
  readonly finalization: { readonly publicKey: string; readonly spkiSha256: string; readonly extraEkus: readonly string[] } | null;
  readonly authority: string | null;
  /** the authorities still to try if the current one cannot be reached */
  readonly fallbacks: readonly string[];
  /**
   * the authority a submission was recorded for (`acme.order.submitting`) and that has not
   * answered in the log yet: after a restart, the CA may hold a request the log does not know
   */
  readonly submittingTo: string | null;
  /** the CA's request id while it holds the request for approval, and since when */
  readonly pendingRequestId: string | null;
  readonly pendingSince: string | null;
  readonly certificate: CertificateState | null;
}

export type OrderEvent = Extract<
  CerteasyEvent,
  { readonly type: `acme.order.${string}` | `acme.authorization.${string}` | `acme.challenge.${string}` | `acme.certificate.${string}` }
>;

const ORDER_EVENT_PREFIXES = ["acme.order.", "acme.authorization.", "acme.challenge.", "acme.certificate."];

export const isOrderEvent = (event: CerteasyEvent): event is OrderEvent =>
  ORDER_EVENT_PREFIXES.some((prefix) => event.type.startsWith(prefix));

/** The stream contradicts itself (an event for an unknown authorization, a second creation): a bug or tampering. */
export class OrderStreamError extends Error {
  override readonly name = "OrderStreamError";
}

export function evolveOrder(state: OrderState | null, event: OrderEvent): OrderState {
  if (event.type === "acme.order.created") {
    if (state) throw new OrderStreamError(`order ${state.orderId} is created twice`);
    const d = event.data;
    return {
      orderId: d.orderId,
      accountId: d.accountId,
      status: "pending",
      identifiers: d.identifiers,
      identifiersHash: d.identifiersHash,
      notBefore: d.notBefore,
      notAfter: d.notAfter,
      expires: d.expires,
      policy: d.policy,
      profile: d.profile,
      replacesCertificateId: d.replacesCertificateId,
      authorizationIds: d.authorizationIds,
      authorizations: d.newAuthorizations.map((a) => ({
        authzId: a.authzId,
        identifier: a.identifier,
        wildcard: a.wildcard,
        status: "pending",
        expires: a.expires,
        challenges: a.challenges.map((c) => ({ ...c, status: "pending", keyAuthorization: null, validated: null, error: null })),
      })),
      error: null,
      csr: null,
      finalization: null,
      authority: null,
      fallbacks: [],
      submittingTo: null,
      pendingRequestId: null,
      pendingSince: null,
      certificate: null,
    };
  }
  if (!state) throw new OrderStreamError(`${event.type} before acme.order.created`);
  switch (event.type) {
    case "acme.challenge.processing":
      return withChallenge(state, event.data.authzId, event.data.challengeId, { status: "processing", keyAuthorization: event.data.keyAuthorization });
    case "acme.challenge.valid":
      return withChallenge(state, event.data.authzId, event.data.challengeId, { status: "valid", validated: event.data.validated });
    case "acme.challenge.invalid":
      return withChallenge(state, event.data.authzId, event.data.challengeId, { status: "invalid", error: event.data.error });
    case "acme.authorization.valid":
      return withAuthorization(state, event.data.authzId, { status: "valid", expires: event.data.expires });
    case "acme.authorization.invalid":
      return withAuthorization(state, event.data.authzId, { status: "invalid" });
    case "acme.authorization.deactivated":
      return withAuthorization(state, event.data.authzId, { status: "deactivated" });
    case "acme.order.ready":
      return { ...state, status: "ready" };
    case "acme.order.finalizing":
      return {
        ...state,
        status: "processing",
        csr: event.data.csr,
        authority: event.data.authority,
        fallbacks: event.data.fallbacks,
        finalization: { publicKey: event.data.publicKey, spkiSha256: event.data.spkiSha256, extraEkus: event.data.extraEkus },
      };
    case "acme.order.authority-changed":
      return { ...state, authority: event.data.to, fallbacks: state.fallbacks.filter((name) => name !== event.data.to), submittingTo: null };
    case "acme.order.submitting":
      return { ...state, submittingTo: event.data.authority };
    case "acme.order.pending-at-authority":
      return { ...state, pendingRequestId: event.data.requestId, pendingSince: event.data.since, submittingTo: null };
    case "acme.certificate.issued": {
      const { certificateId, authority, serial, aki, notBefore, notAfter, chainPem, spkiSha256 } = event.data;
      return { ...state, certificate: { certificateId, authority, serial, aki, notBefore, notAfter, chainPem, spkiSha256, revocation: null } };
    }
    case "acme.order.valid":
      return { ...state, status: "valid", pendingRequestId: null, pendingSince: null, submittingTo: null };
    case "acme.order.invalid":
      return { ...state, status: "invalid", error: event.data.error, pendingRequestId: null, pendingSince: null, submittingTo: null };
    case "acme.certificate.revoked": {
      if (!state.certificate) throw new OrderStreamError(`order ${state.orderId}: revocation without a certificate`);
      return { ...state, certificate: { ...state.certificate, revocation: { reason: event.data.reason } } };
    }
  }
}

export const foldOrder = (events: readonly OrderEvent[]): OrderState | null => events.reduce<OrderState | null>(evolveOrder, null);

export function findAuthorization(state: OrderState, authzId: string): AuthorizationState | undefined {
  return state.authorizations.find((a) => a.authzId === authzId);
}

function withAuthorization(state: OrderState, authzId: string, change: Partial<AuthorizationState>): OrderState {
  if (!findAuthorization(state, authzId)) throw new OrderStreamError(`order ${state.orderId} has no authorization ${authzId}`);
  return { ...state, authorizations: state.authorizations.map((a) => (a.authzId === authzId ? { ...a, ...change } : a)) };
}

function withChallenge(state: OrderState, authzId: string, challengeId: string, change: Partial<ChallengeState>): OrderState {
  const authorization = findAuthorization(state, authzId);
  if (!authorization?.challenges.some((c) => c.challengeId === challengeId)) {
    throw new OrderStreamError(`order ${state.orderId} has no challenge ${challengeId} in ${authzId}`);
  }
  return withAuthorization(state, authzId, {
    challenges: authorization.challenges.map((c) => (c.challengeId === challengeId ? { ...c, ...change } : c)),
  });
}
