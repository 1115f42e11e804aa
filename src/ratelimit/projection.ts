/**
 * The one in-memory projection behind the event-derived rate limits (reference §7, issue 5):
 * hydrated from the whole log at boot and then fed `committed$` (src/projection/live.ts), so
 * accounts, orders, certificates, failed validations and pending authorizations survive a
 * restart — the product kept failed validations in memory only and lost them.
 *
 * `evolve` is deterministic in (state, event): time comes from the event (`at`, or a time the
 * event records), never from a clock. It updates the ledger in place rather than copying it:
 * copying maps of many thousand keys on every event would make hydration quadratic. The
 * projection's `initial` is never written to — the first event starts a fresh ledger — so each
 * fold (a rebuild, a live run, a test) owns its own.
 */
import {
  AccountRegistered,
  AuthorizationDeactivated,
  AuthorizationInvalid,
  AuthorizationValid,
  CertificateIssued,
  CertificateRevoked,
  ChallengeInvalid,
  decodeEvent,
  OrderCreated,
  type StoredEvent,
} from "../../events/index.js";
import type { MemoryProjection } from "../../projections/index.js";
import type { RateLimitConfig } from "../config/types.js";
import { failureKey, identifierName, RateLimitLedger } from "./ledger.js";

/** Only these events touch the ledger; the rest are skipped without being decoded. */
const RELEVANT = new Set<string>([
  AccountRegistered.type,
  OrderCreated.type,
  ChallengeInvalid.type,
  AuthorizationValid.type,
  AuthorizationInvalid.type,
  AuthorizationDeactivated.type,
  CertificateIssued.type,
  CertificateRevoked.type,
]);

export function rateLimitProjection(config: RateLimitConfig): MemoryProjection<RateLimitLedger> {
  const initial = new RateLimitLedger(config);
  return {
    name: "rate-limits",
    initial,
    evolve(state, stored) {
      if (!RELEVANT.has(stored.type)) return state;
      const ledger = state === initial ? new RateLimitLedger(config) : state;
      applyEvent(ledger, stored);
      return ledger;
    },
  };
}

function applyEvent(ledger: RateLimitLedger, stored: StoredEvent): void {
  const at = Date.parse(stored.at);
  const { config } = ledger;
  const event = decodeEvent(stored);
  switch (event.type) {
    case "acme.account.registered": {
      // Accounts created without a request (none today) have no source address to count.
      const ip = stored.meta.sourceIp;
      if (config.accountCreation.enabled && ip !== undefined) ledger.accountsByIp.spend(ledger.addressKey(ip), 1, at);
      return;
    }
    case "acme.order.created": {
      const { accountId, identifiers, newAuthorizations } = event.data;
      if (config.orderCreation.enabled) {
        ledger.ordersByAccount.spend(accountId, 1, at);
        ledger.identifiersByAccount.spend(accountId, identifiers.length, at);
      }
      // Tracked whenever either limiter that needs it is on.
      if (config.pendingAuthorizations.enabled || config.failedValidation.enabled) {
        for (const authz of newAuthorizations) {
          const name = identifierName(authz.identifier, authz.wildcard);
          ledger.authorizations.add(authz.authzId, { accountId, name, expires: Date.parse(authz.expires) }, at);
        }
      }
      return;
    }
    case "acme.challenge.invalid": {
      const authorization = ledger.authorizations.find(event.data.authzId);
      if (config.failedValidation.enabled && authorization !== undefined) {
        ledger.failures.add(failureKey(authorization.accountId, authorization.name), at, at);
      }
      return;
    }
    case "acme.authorization.valid":
    case "acme.authorization.invalid":
    case "acme.authorization.deactivated":
      ledger.authorizations.remove(event.data.authzId);
      return;
    case "acme.certificate.issued": {
      if (!config.duplicateCertificate.enabled) return;
      const { certificateId, accountId, identifiersHash, notBefore } = event.data;
      ledger.certificates.issued(accountId, identifiersHash, certificateId, Date.parse(notBefore), at);
      return;
    }
    case "acme.certificate.revoked":
      ledger.certificates.revoked(event.data.certificateId);
      return;
    default:
      return;
  }
}
