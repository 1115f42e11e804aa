/**
 * CAA as the last step of a validation (RFC 8659 §3: checked before issuing; CA/Browser Forum
 * BR §3.2.2.8: at validation, then good for 8 hours): once a challenge of a DNS name has passed,
 * the relevant RRset decides whether the validation stands. A refusal is the `caa` error (RFC
 * 8555 §6.7); a search that could not finish is `dns`, which the validation queue retries like
 * any DNS failure. IP identifiers have no CAA (RFC 8738 defines none): the caller skips them.
 */
import type { CheckContext } from "../context.js";
import { invalid } from "../outcome.js";
import type { ChallengeToValidate, ValidationOutcome } from "../types.js";
import { checkCaa } from "./check-caa.js";

export async function caaAfterChallenge(
  passed: ValidationOutcome,
  challenge: ChallengeToValidate,
  identities: readonly string[],
  context: CheckContext,
): Promise<ValidationOutcome> {
  const request = {
    name: challenge.identifier.value,
    wildcard: challenge.wildcard,
    accountUris: challenge.accountUris,
    challengeType: challenge.type,
  };
  const outcome = await checkCaa(request, identities, context.profile, context.deadline);
  if (outcome.kind === "permitted") return passed;
  return invalid(outcome.kind === "refused" ? "caa" : "dns", outcome.detail, passed.address);
}
