/**
 * The validator the validation queue calls. It picks the profile for the identifier, starts the
 * deadline, runs the challenge type's check — and, for a DNS name that passed while CAA
 * identities are configured, the CAA check under the same deadline — and guarantees the
 * contract: it never throws (a bug becomes a generic `serverInternal`, logged by the caller,
 * never here) and never outlives the profile's timeout or the caller's signal.
 */
import { AddressPolicy } from "./address-policy.js";
import { checkDns01 } from "./dns-01.js";
import { checkHttp01 } from "./http-01.js";
import { checkTlsAlpn01 } from "./tls-alpn-01.js";
import { caaAfterChallenge } from "./caa/after-challenge.js";
import { internalError, shapeChallenge } from "./challenge-shape.js";
import type { ChallengeCheck, CheckContext } from "./context.js";
import { abortKind, abortPhrase, Deadline } from "./deadline.js";
import { invalid } from "./outcome.js";
import type { ValidationProfile } from "./profile.js";
import { profileIndexForIdentifier } from "./select-profile.js";
import type { ChallengeToValidate, ChallengeType, ValidationOutcome, Validator } from "./types.js";

export interface ValidatorOptions {
  /** Replaces the check of a challenge type — the seam tests use to inject a failing or hanging check. */
  readonly checks?: Partial<Readonly<Record<ChallengeType, ChallengeCheck>>>;
  /**
   * `acme.caa-identities`: the issuer domain names CAA records name this CA by (RFC 8659 §4.2).
   * Advertising them is enforcing them: when there is any, a DNS name whose challenge passed is
   * then checked against its CAA records; when there is none, no CAA lookup is made at all.
   */
  readonly caaIdentities?: readonly string[];
}

export class ValidationSetupError extends Error {
  override readonly name = "ValidationSetupError";
}

const CHECKS: Readonly<Record<ChallengeType, ChallengeCheck>> = {
  "http-01": checkHttp01,
  "dns-01": checkDns01,
  "tls-alpn-01": checkTlsAlpn01,
};

/**
 * After the deadline fires, a check gets this long to return its own, more precise outcome
 * ("Fetching … from 127.0.0.1: timed out") before the generic one is returned instead.
 */
const GRACE_MS = 50;

export function createValidator(profiles: readonly ValidationProfile[], options: ValidatorOptions = {}): Validator {
  if (profiles.length === 0) throw new ValidationSetupError("Challenge validation needs at least one DNS validation profile");
  const prepared = profiles.map((profile) => ({ profile, policy: new AddressPolicy(profile.allowCidrs, profile.denyCidrs) }));
  const checks = { ...CHECKS, ...options.checks };
  const caaIdentities = options.caaIdentities ?? [];

  return async (challenge, signal) => {
    try {
      const shaped = shapeChallenge(challenge);
      if (!shaped.ok) return shaped.outcome;
      const shapedChallenge = shaped.challenge;
      const chosen = prepared[profileIndexForIdentifier(profiles, shapedChallenge.identifier, challenge.profile)];
      const check = checks[shapedChallenge.type];
      if (chosen === undefined) return internalError();
      const deadline = Deadline.start(chosen.profile.timeoutMs, signal);
      const context: CheckContext = { ...chosen, deadline };
      const checked = await withinDeadline(check(shapedChallenge, context), deadline, () => timedOut(shapedChallenge, deadline));
      // IP identifiers have no CAA (RFC 8738 defines none); without identities, CAA is not enforced.
      const caaApplies = checked.status === "valid" && shapedChallenge.identifier.type === "dns" && caaIdentities.length > 0 && !deadline.signal.aborted;
      const outcome = caaApplies
        ? await withinDeadline(caaAfterChallenge(checked, shapedChallenge, caaIdentities, context), deadline, () => caaTimedOut(shapedChallenge, deadline))
        : checked;
      if (signal?.aborted === true) return cancelled();
      return outcome;
    } catch {
      return internalError();
    }
  };
}

/** `work`'s outcome, or `onTimeout()`'s once the deadline has fired and the grace has passed. */
async function withinDeadline(
  work: Promise<ValidationOutcome>,
  deadline: Deadline,
  onTimeout: () => ValidationOutcome,
): Promise<ValidationOutcome> {
  const guarded = work.catch(() => internalError());
  let grace: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const expired = new Promise<ValidationOutcome>((resolve) => {
    onAbort = (): void => {
      grace = setTimeout(() => resolve(abortKind(deadline.signal) === "cancelled" ? cancelled() : onTimeout()), GRACE_MS);
    };
    if (deadline.signal.aborted) onAbort();
    else deadline.signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([guarded, expired]);
  } finally {
    if (onAbort !== undefined) deadline.signal.removeEventListener("abort", onAbort);
    clearTimeout(grace);
  }
}

function timedOut(challenge: ChallengeToValidate, deadline: Deadline): ValidationOutcome {
  const what = `Validating ${challenge.type} for ${challenge.identifier.value}`;
  return invalid("connection", `${what}: ${abortPhrase(deadline.signal)} after ${deadline.timeoutMs} ms`);
}

/** A DNS failure, so the validation queue retries it like any other (RFC 8659 §3: no verdict without the RRset). */
function caaTimedOut(challenge: ChallengeToValidate, deadline: Deadline): ValidationOutcome {
  return invalid("dns", `Checking CAA for ${challenge.identifier.value}: ${abortPhrase(deadline.signal)} after ${deadline.timeoutMs} ms`);
}

/** The caller aborted (shutdown): not the client's fault, and not a verdict on its challenge. */
function cancelled(): ValidationOutcome {
  return invalid("serverInternal", "The server stopped this validation before it finished");
}
