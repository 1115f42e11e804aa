/**
 * newOrder (RFC 8555 §7.4) as a pure decision: canonical identifiers, requested validity,
 * profile (draft-ietf-acme-profiles), `replaces` (RFC 9773 §5), and one authorization per
 * identifier — reused when the account holds a valid one (§7.1.3), else created with the
 * challenges its identifier allows (§8.3–8.4, RFC 8737, RFC 8738).
 */
import { createHash } from "node:crypto";
import { OrderCreated, OrderReady, canonicalJson, type ChallengeType, type PendingEvent } from "../../../events/index.js";
import { domainError, type DomainError } from "../domain-error.js";
import { authorizationKey, type CreateOrder, type OrderPolicy } from "./commands.js";
import { choosePolicy } from "../policy/index.js";
import { canonicalIdentifiers, type Identifier } from "./identifiers.js";

export type NewOrderDecision =
  | { readonly kind: "accepted"; readonly events: readonly PendingEvent[] }
  | { readonly kind: "rejected"; readonly error: DomainError };

const rejected = (error: DomainError): NewOrderDecision => ({ kind: "rejected", error });

/**
 * Wildcards only through dns-01 (§7.1.3, §8.4); IP addresses have no DNS name to hold a TXT
 * record, so http-01 and tls-alpn-01 (RFC 8738 §7).
 */
export function challengeTypesFor(identifier: Identifier, wildcard: boolean): readonly ChallengeType[] {
  if (wildcard) return ["dns-01"];
  if (identifier.type === "ip") return ["http-01", "tls-alpn-01"];
  return ["http-01", "dns-01", "tls-alpn-01"];
}

/** sha256 over the canonical identifier list: equal orders hash equally. */
export const identifiersHash = (identifiers: readonly Identifier[]): string =>
  createHash("sha256").update(canonicalJson(identifiers.map((i) => ({ type: i.type, value: i.value })))).digest("hex");

export function decideNewOrder(command: CreateOrder, policy: OrderPolicy): NewOrderDecision {
  const canonical = canonicalIdentifiers(command.request.identifiers);
  if (!canonical.ok) return rejected(canonical.error);
  const { identifiers } = canonical;
  const now = command.now.getTime();

  const validity = requestedValidity(command, policy);
  if ("error" in validity) return rejected(validity.error);

  // Reference §2.2: the policy is chosen from the identifiers (or the requested profile) once, and pinned.
  const choice = choosePolicy(policy.issuancePolicies, identifiers, command.request.profile ?? null);
  if (!choice.ok) return rejected(choice.error);
  const profile = command.request.profile ?? choice.policy.acmeProfile?.name ?? null;

  const replaced = command.replaces;
  if (replaced) {
    if (replaced.accountId !== command.accountId) {
      return rejected(domainError("malformed", "The certificate named in replaces was not issued to this account."));
    }
    if (replaced.alreadyReplaced) {
      return rejected(domainError("alreadyReplaced", "The certificate named in replaces has already been replaced by another order."));
    }
    const shared = replaced.identifiers.some((old) => identifiers.some((i) => i.type === old.type && i.value === old.value));
    if (!shared) {
      return rejected(domainError("malformed", "The certificate named in replaces shares no identifier with this order (RFC 9773 §5)."));
    }
  }

  const authorizationIds: string[] = [];
  const newAuthorizations = [];
  const authzExpires = new Date(now + policy.authorizationLifetimeMs).toISOString();
  for (const requested of identifiers) {
    const wildcard = requested.type === "dns" && requested.value.startsWith("*.");
    const identifier: Identifier = wildcard ? { type: "dns", value: requested.value.slice(2) } : requested;
    const reused = command.reusable.get(authorizationKey(identifier, wildcard));
    if (reused) {
      authorizationIds.push(reused);
      continue;
    }
    const authzId = command.random.newId();
    authorizationIds.push(authzId);
    newAuthorizations.push({
      authzId,
      identifier,
      wildcard,
      expires: authzExpires,
      challenges: challengeTypesFor(identifier, wildcard).map((type) => ({
        challengeId: command.random.newId(),
        type,
        token: command.random.newToken(),
      })),
    });
  }

  const created = OrderCreated.create({
    orderId: command.orderId,
    accountId: command.accountId,
    identifiers: [...identifiers],
    identifiersHash: identifiersHash(identifiers),
    notBefore: validity.notBefore,
    notAfter: validity.notAfter,
    expires: new Date(now + policy.orderLifetimeMs).toISOString(),
    policy: choice.policy.name,
    profile,
    replacesCertificateId: replaced?.certificateId ?? null,
    authorizationIds,
    newAuthorizations,
  });
  // Every authorization reused (a renewal inside the reuse window): nothing is left to validate.
  return { kind: "accepted", events: newAuthorizations.length === 0 ? [created, OrderReady.create({})] : [created] };
}

/** RFC 8555 §7.4: notBefore/notAfter are honoured when the certificate they describe can be issued. */
function requestedValidity(
  command: CreateOrder,
  policy: OrderPolicy,
): { readonly notBefore: string | null; readonly notAfter: string | null } | { readonly error: DomainError } {
  const notBefore = parseTime(command.request.notBefore, "notBefore");
  const notAfter = parseTime(command.request.notAfter, "notAfter");
  if (notBefore && "error" in notBefore) return notBefore;
  if (notAfter && "error" in notAfter) return notAfter;
  const now = command.now.getTime();
  const start = notBefore?.time ?? now;
  if (notAfter) {
    if (notAfter.time <= start) return { error: domainError("malformed", "notAfter must be later than notBefore and than now.") };
    if (notAfter.time - start > policy.certificateLifetimeMs) {
      const days = Math.floor(policy.certificateLifetimeMs / 86_400_000);
      return { error: domainError("malformed", `The requested validity is longer than this server issues (${days} days).`) };
    }
  }
  if (notBefore && notBefore.time > now + policy.orderLifetimeMs) {
    return { error: domainError("malformed", "notBefore lies beyond the order's lifetime; request the certificate closer to the date.") };
  }
  return { notBefore: notBefore ? new Date(notBefore.time).toISOString() : null, notAfter: notAfter ? new Date(notAfter.time).toISOString() : null };
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/i;

/** RFC 3339 §5.6 with its §5.7 ranges; Date.parse alone would roll 2026-11-31 over to December. */
function rfc3339Time(value: string): number {
  const m = RFC3339.exec(value);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const offsetOk = m[9] === undefined || (Number(m[9]) <= 23 && Number(m[10]) <= 59);
  const inRange = month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59;
  return inRange && offsetOk ? Date.parse(value) : Number.NaN;
}

/** RFC 3339 date-time (RFC 8555 §7.1.3); undefined = not requested. */
function parseTime(value: string | undefined, field: string): { readonly time: number } | { readonly error: DomainError } | undefined {
  if (value === undefined) return undefined;
  const time = rfc3339Time(value);
  if (Number.isNaN(time)) return { error: domainError("malformed", `${field} must be an RFC 3339 date-time such as 2026-01-01T00:00:00Z.`) };
  return { time };
}
