/**
 * The CAA check on its own, for names whose validation is older than a CAA result may stand
 * (CA/Browser Forum BR §3.2.2.8: 8 hours): finalization asks it again before the CSR goes to the
 * CA. Same profiles, same resolvers and same verdict as the check that follows a challenge; its
 * own deadline, the profile's timeout.
 */
import { checkCaa } from "./caa/check-caa.js";
import type { CaaOutcome, CaaRequest } from "./caa/types.js";
import { Deadline } from "./deadline.js";
import type { ValidationProfile } from "./profile.js";
import { profileIndexForIdentifier } from "./select-profile.js";
import { ValidationSetupError } from "./create-validator.js";

export interface CaaCheckRequest extends CaaRequest {
  /** the DNS validation profile the order's issuance policy names; absent or unknown: by zone suffix */
  readonly profile?: string | null;
}

/** Never `permitted` without the relevant RRset: a failed search is `unavailable`. */
export type CaaChecker = (request: CaaCheckRequest, signal?: AbortSignal) => Promise<CaaOutcome>;

/** `identities` must not be empty: with none, CAA is not enforced and nothing should ask. */
export function createCaaChecker(profiles: readonly ValidationProfile[], identities: readonly string[]): CaaChecker {
  if (profiles.length === 0) throw new ValidationSetupError("The CAA check needs at least one DNS validation profile");
  return async (request, signal) => {
    const profile = profiles[profileIndexForIdentifier(profiles, { type: "dns", value: request.name }, request.profile)];
    if (profile === undefined) throw new ValidationSetupError("The CAA check needs at least one DNS validation profile");
    return checkCaa(request, identities, profile, Deadline.start(profile.timeoutMs, signal));
  };
}
