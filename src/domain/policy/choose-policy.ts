/**
 * Which issuance policy an order is created under (behaviour reference §2.2 "Policy pinning",
 * §3.3): chosen once, at newOrder, from the identifiers alone, then pinned to the order.
 *
 * - With a requested profile (draft-ietf-acme-profiles), the policy offering it must allow every
 *   identifier; the client asked for that profile, so no other policy is tried.
 * - Without, the first policy in declaration order that allows every identifier wins.
 *
 * Refusals are `rejectedIdentifier` with one subproblem per refused identifier (RFC 8555
 * §6.7.1). Details never name policies or rules: those are the operator's, not the client's.
 * Pure.
 */
import type { DomainError, DomainSubproblem } from "../domain-error.js";
import { policyAccepts, type IssuancePolicy, type PolicyIdentifier } from "./issuance-policy.js";

export type PolicyChoice =
  | { readonly ok: true; readonly policy: IssuancePolicy }
  | { readonly ok: false; readonly error: DomainError };

export function choosePolicy(
  policies: readonly IssuancePolicy[],
  identifiers: readonly PolicyIdentifier[],
  requestedProfile: string | null,
): PolicyChoice {
  if (requestedProfile !== null) return chooseByProfile(policies, identifiers, requestedProfile);
  const policy = policies.find((candidate) => identifiers.every((identifier) => policyAccepts(candidate, identifier)));
  if (policy !== undefined) return { ok: true, policy };

  const refusedByAll = identifiers.filter((identifier) => !policies.some((candidate) => policyAccepts(candidate, identifier)));
  if (refusedByAll.length === 0) {
    return {
      ok: false,
      error: {
        type: "rejectedIdentifier",
        detail: "Each identifier is allowed on its own, but no single issuance policy allows all of these names together; request them in separate orders.",
      },
    };
  }
  return { ok: false, error: rejected(refusedByAll, (identifier) => `${describe(identifier)} is not allowed by this server's issuance policies.`) };
}

function chooseByProfile(policies: readonly IssuancePolicy[], identifiers: readonly PolicyIdentifier[], profile: string): PolicyChoice {
  const policy = policies.find((candidate) => candidate.acmeProfile?.name === profile);
  if (policy === undefined) {
    const names = Object.keys(offeredProfiles(policies));
    const offered = names.length > 0 ? `; this server offers ${names.map((name) => JSON.stringify(name)).join(", ")}` : "; this server offers none";
    return { ok: false, error: { type: "invalidProfile", detail: `Profile ${JSON.stringify(profile)} is not offered${offered}.` } };
  }
  const refused = identifiers.filter((identifier) => !policyAccepts(policy, identifier));
  if (refused.length === 0) return { ok: true, policy };
  return { ok: false, error: rejected(refused, (identifier) => `${describe(identifier)} is not allowed under profile ${JSON.stringify(profile)}.`) };
}

/** The directory's `meta.profiles` (draft-ietf-acme-profiles §3): name → description, in declaration order. */
export function offeredProfiles(policies: readonly IssuancePolicy[]): Record<string, string> {
  const profiles: Record<string, string> = {};
  for (const { acmeProfile } of policies) {
    if (acmeProfile !== null && !Object.hasOwn(profiles, acmeProfile.name)) profiles[acmeProfile.name] = acmeProfile.description;
  }
  return profiles;
}

const describe = (identifier: PolicyIdentifier): string =>
  identifier.type === "ip" ? `The IP address ${identifier.value}` : `The name ${JSON.stringify(identifier.value)}`;

/** One refused identifier is the error itself; several are listed as subproblems (§6.7.1). */
function rejected(refused: readonly PolicyIdentifier[], detailFor: (identifier: PolicyIdentifier) => string): DomainError {
  const subproblems: DomainSubproblem[] = refused.map((identifier) => ({
    type: "rejectedIdentifier",
    detail: detailFor(identifier),
    identifier: { type: identifier.type, value: identifier.value },
  }));
  const [only] = subproblems;
  const detail = subproblems.length === 1 && only !== undefined ? only.detail : `${subproblems.length} identifiers of the order are not allowed; see subproblems.`;
  return { type: "rejectedIdentifier", detail, subproblems };
}
