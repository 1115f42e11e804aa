/**
 * The order decider for everything after creation: (state, command, policy) → events or a
 * refusal. Transitions follow RFC 8555 §7.1.6; time-based expiry is not an event — `expiredAt`
 * tells whether an order or authorization has run out at the moment of a command.
 */
import {
  AuthorizationDeactivated,
  AuthorizationInvalid,
  AuthorizationValid,
  CertificateIssued,
  CertificateRevoked,
  ChallengeInvalid,
  ChallengeProcessing,
  ChallengeValid,
  OrderAuthorityChanged,
  OrderFinalizing,
  OrderInvalid,
  OrderPendingAtAuthority,
  OrderSubmitting,
  OrderReady,
  OrderValid,
  revocationReasonSchema,
  type PendingEvent,
} from "../../../events/index.js";
import { domainError, type DomainError } from "../domain-error.js";
import { caaProblem } from "./caa-problem.js";
import type { FinalizeOrder, OrderCommand, OrderPolicy, RecordValidation, RespondToChallenge, RevokeCertificate } from "./commands.js";
import { effectiveAuthorizationStatus, effectiveOrderStatus } from "./expiry.js";
import { findAuthorization, type AuthorizationState, type CertificateFacts, type OrderState } from "./state.js";

export type OrderDecision =
  /** append these to `order:<orderId>` (none: nothing changes, answer with the current state) */
  | { readonly kind: "accepted"; readonly events: readonly PendingEvent[] }
  | { readonly kind: "rejected"; readonly error: DomainError };

const accepted = (...events: PendingEvent[]): OrderDecision => ({ kind: "accepted", events });
const rejected = (error: DomainError): OrderDecision => ({ kind: "rejected", error });

export const orderExpired = (order: OrderState, now: Date): boolean =>
  effectiveOrderStatus({ status: order.status, expiresAt: Date.parse(order.expires) }, now) !== order.status;

export const authorizationExpired = (authorization: Pick<AuthorizationState, "status" | "expires">, now: Date): boolean =>
  effectiveAuthorizationStatus({ status: authorization.status, expiresAt: Date.parse(authorization.expires) }, now) === "expired";

export function decideOrder(state: OrderState, command: OrderCommand, policy: OrderPolicy, now: Date): OrderDecision {
  switch (command.kind) {
    case "respond":
      return respond(state, command, now);
    case "record-validation":
      return recordValidation(state, command, policy);
    case "deactivate-authorization": {
      const authorization = findAuthorization(state, command.authzId);
      if (!authorization) return rejected(domainError("malformed", "The authorization does not exist."));
      if (authorization.status === "deactivated") return accepted();
      if (authorization.status !== "pending" && authorization.status !== "valid") {
        return rejected(domainError("malformed", `The authorization is ${authorization.status}; only pending and valid ones can be deactivated.`));
      }
      const events: PendingEvent[] = [AuthorizationDeactivated.create({ authzId: command.authzId })];
      if (state.status === "pending" || state.status === "ready") {
        events.push(OrderInvalid.create({ error: { type: "unauthorized", detail: `The authorization for ${displayedValue(authorization)} was deactivated.` } }));
      }
      return accepted(...events);
    }
    case "finalize":
      return finalize(state, command, now);
    case "fail-over": {
      // Only a request no authority holds yet moves: a pending one is the CA's to finish.
      const [next] = state.fallbacks;
      if (state.status !== "processing" || state.pendingRequestId !== null || next === undefined || state.authority === null) return accepted();
      return accepted(OrderAuthorityChanged.create({ from: state.authority, to: next, reason: command.reason }));
    }
    case "record-submitting":
      // Once per authority: a retry in the same process submits under the same request key.
      if (state.status !== "processing" || state.pendingRequestId !== null || state.authority === null || state.submittingTo === state.authority) return accepted();
      return accepted(OrderSubmitting.create({ authority: state.authority }));
    case "record-pending":
      if (state.status !== "processing") return accepted();
      return state.pendingRequestId === command.requestId
        ? accepted()
        : accepted(OrderPendingAtAuthority.create({ authority: state.authority ?? "", requestId: command.requestId, since: command.now.toISOString() }));
    case "record-issued":
      // Issuance resumed after a crash may answer twice: the first certificate recorded wins.
      if (state.status !== "processing") return accepted();
      return accepted(...issuedEvents(state, state.authority ?? "", command.certificate));
    case "record-issuance-failed":
      return state.status === "processing" ? accepted(OrderInvalid.create({ error: command.error })) : accepted();
    case "revoke":
      return revoke(state, command);
  }
}

/** RFC 8555 §7.5.1: the first response starts validation; later ones change nothing. */
function respond(state: OrderState, command: RespondToChallenge, now: Date): OrderDecision {
  const authorization = findAuthorization(state, command.authzId);
  const challenge = authorization?.challenges.find((c) => c.challengeId === command.challengeId);
  if (!authorization || !challenge) return rejected(domainError("malformed", "The challenge does not exist."));
  if (challenge.status !== "pending") return accepted();
  if (authorization.status !== "pending") {
    return rejected(domainError("malformed", `The authorization is ${authorization.status}; its challenges can no longer be answered.`));
  }
  if (authorizationExpired(authorization, now) || orderExpired(state, now)) {
    return rejected(domainError("malformed", "The authorization has expired; create a new order."));
  }
  return accepted(
    ChallengeProcessing.create({
      authzId: command.authzId,
      challengeId: command.challengeId,
      keyAuthorization: `${challenge.token}.${command.thumbprint}`,
    }),
  );
}

/**
 * The validator's verdict. RFC 8555 §7.1.6: one valid challenge makes the authorization valid,
 * and the order ready once every authorization is; an invalid challenge invalidates its
 * authorization and with it the order.
 */
function recordValidation(state: OrderState, command: RecordValidation, policy: OrderPolicy): OrderDecision {
  const authorization = findAuthorization(state, command.authzId);
  const challenge = authorization?.challenges.find((c) => c.challengeId === command.challengeId);
  // A verdict for a challenge that is no longer processing (a duplicate after a restart) is dropped.
  if (!authorization || challenge?.status !== "processing") return accepted();
  const { authzId, challengeId, outcome } = command;
  if (outcome.status === "invalid") {
    const events: PendingEvent[] = [ChallengeInvalid.create({ authzId, challengeId, error: outcome.error, address: outcome.address })];
    if (authorization.status === "pending") events.push(AuthorizationInvalid.create({ authzId }));
    if (state.status === "pending") {
      const identifier = { type: authorization.identifier.type, value: displayedValue(authorization) };
      const { type, detail } = outcome.error;
      events.push(OrderInvalid.create({ error: { type, detail, subproblems: [{ type, detail, identifier }] } }));
    }
    return accepted(...events);
  }
  const events: PendingEvent[] = [
    ChallengeValid.create({ authzId, challengeId, validated: command.now.toISOString(), address: outcome.address }),
  ];
  if (authorization.status !== "pending") return accepted(...events);
  const reuseUntil = Math.max(command.now.getTime() + policy.validAuthorizationLifetimeMs, Date.parse(authorization.expires));
  events.push(AuthorizationValid.create({ authzId, expires: new Date(reuseUntil).toISOString() }));
  // Authorizations reused from earlier orders were valid when this order was created.
  const othersValid = state.authorizations.every((a) => a.authzId === authzId || a.status === "valid");
  if (state.status === "pending" && othersValid) events.push(OrderReady.create({}));
  return accepted(...events);
}

/** RFC 8555 §7.4: only a ready, unexpired order whose authorizations still hold is finalized. */
function finalize(state: OrderState, command: FinalizeOrder, now: Date): OrderDecision {
  if (state.status !== "ready") {
    const why = state.status === "pending" ? "its authorizations are not all valid yet" : `it is ${state.status}`;
    return rejected(domainError("orderNotReady", `The order cannot be finalized: ${why}.`));
  }
  if (orderExpired(state, now)) return rejected(domainError("orderNotReady", "The order has expired; create a new one."));
  const stale = state.authorizations.some((a) => a.status !== "valid" || authorizationExpired(a, now));
  if (stale || !command.reusedAuthorizationsValid) {
    return rejected(domainError("orderNotReady", "An authorization of the order is no longer valid; create a new order."));
  }
  // RFC 8659 §3: the CA must not issue against CAA; one subproblem per name (RFC 8555 §6.7.1).
  if (command.caaRefusals.length > 0) return accepted(OrderInvalid.create({ error: caaProblem(command.caaRefusals) }));
  const { csr, authority, publicKey, spkiSha256, extraEkus } = command;
  const finalizing = OrderFinalizing.create({ csr, authority, fallbacks: [...command.fallbacks], publicKey, spkiSha256, extraEkus: [...extraEkus] });
  return command.issued ? accepted(finalizing, ...issuedEvents(state, authority, command.issued)) : accepted(finalizing);
}

/** RFC 8555 §7.4: the certificate is recorded and the order becomes valid. */
function issuedEvents(state: OrderState, authority: string, certificate: CertificateFacts): PendingEvent[] {
  return [
    CertificateIssued.create({
      ...certificate,
      accountId: state.accountId,
      identifiers: [...state.identifiers],
      identifiersHash: state.identifiersHash,
      authority,
    }),
    OrderValid.create({ certificateId: certificate.certificateId }),
  ];
}

/** RFC 8555 §7.6 (reason codes RFC 5280 §5.3.1). */
function revoke(state: OrderState, command: RevokeCertificate): OrderDecision {
  const certificate = state.certificate;
  if (!certificate) return rejected(domainError("malformed", "The certificate does not exist."));
  const reason = revocationReasonSchema.safeParse(command.reason);
  if (!reason.success) {
    return rejected(
      domainError("badRevocationReason", `Reason ${command.reason} is not accepted: use 0–5, 9 or 10 (6 and 8 are not terminal, 7 is unused).`),
    );
  }
  if (certificate.revocation) return rejected(domainError("alreadyRevoked", "The certificate is already revoked."));
  return accepted(
    CertificateRevoked.create({
      certificateId: certificate.certificateId,
      reason: reason.data,
      authorisedBy: command.authorisedBy,
      accountId: command.accountId,
    }),
  );
}

/** The identifier as the order lists it: a wildcard authorization stands for "*.<name>". */
const displayedValue = (authorization: AuthorizationState): string =>
  (authorization.wildcard ? "*." : "") + authorization.identifier.value;
