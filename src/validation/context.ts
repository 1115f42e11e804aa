/**
 * What every challenge check receives: the profile chosen for the identifier, its address policy
 * (built once per profile), and the deadline of this attempt.
 */
import type { AddressPolicy } from "./address-policy.js";
import type { Deadline } from "./deadline.js";
import type { ValidationProfile } from "./profile.js";
import type { ChallengeToValidate, ValidationOutcome } from "./types.js";

export interface CheckContext {
  readonly profile: ValidationProfile;
  readonly policy: AddressPolicy;
  readonly deadline: Deadline;
}

/** One challenge type's check. May throw: the validator turns that into `serverInternal`. */
export type ChallengeCheck = (challenge: ChallengeToValidate, context: CheckContext) => Promise<ValidationOutcome>;
