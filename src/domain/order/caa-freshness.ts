/**
 * How long a CAA result stands. The CAA check runs when a DNS name is validated (RFC 8659 §3);
 * the CA/Browser Forum Baseline Requirements (§3.2.2.8) let that result be relied on for 8
 * hours, while an authorization is reused for up to `acme.valid-authorization-lifetime` (30 days
 * by default). So at finalization, every DNS name validated longer ago than that is checked
 * again before the CSR goes to the CA. IP identifiers have no CAA (RFC 8738 defines none).
 */
import type { ChallengeType } from "../../../events/index.js";
import type { Identifier } from "./identifiers.js";
import type { AuthorizationState } from "./state.js";

/** CA/Browser Forum BR §3.2.2.8: 8 hours. */
export const CAA_RESULT_LIFETIME_MS = 8 * 60 * 60 * 1000;

/** A valid authorization as finalization sees it: its name and how it was validated. */
export interface ValidatedAuthorization {
  readonly authzId: string;
  /** without the "*." of a wildcard */
  readonly identifier: Identifier;
  readonly wildcard: boolean;
  /** epoch ms of its latest validated challenge (when its CAA result was obtained); null when none is known */
  readonly validatedAt: number | null;
  /** that challenge's type, which an RFC 8657 `validationmethods` must list; null when none is known */
  readonly challengeType: ChallengeType | null;
}

/** The latest valid challenge of an authorization: when and how it was validated (null: none known). */
export function latestValidation(
  challenges: readonly { readonly status: string; readonly type: ChallengeType; readonly validatedAt: number | null }[],
): Pick<ValidatedAuthorization, "validatedAt" | "challengeType"> {
  let latest: { readonly at: number; readonly type: ChallengeType } | null = null;
  for (const challenge of challenges) {
    if (challenge.status !== "valid" || challenge.validatedAt === null) continue;
    if (latest === null || challenge.validatedAt > latest.at) latest = { at: challenge.validatedAt, type: challenge.type };
  }
  return { validatedAt: latest?.at ?? null, challengeType: latest?.type ?? null };
}

/** One of the order's own authorizations, from the order's stream. */
export function validatedAuthorization(authorization: AuthorizationState): ValidatedAuthorization {
  const { authzId, identifier, wildcard } = authorization;
  const challenges = authorization.challenges.map((c) => ({ status: c.status, type: c.type, validatedAt: c.validated === null ? null : Date.parse(c.validated) }));
  return { authzId, identifier, wildcard, ...latestValidation(challenges) };
}

/**
 * The DNS names with no CAA result to rely on at `now`: validated more than CAA_RESULT_LIFETIME_MS
 * before, at an unknown time, or before `enforcedSince` — when this server began to check CAA.
 * A validation from before then may have run with CAA off (`acme.caa-identities` set since), and
 * its event does not say, so it counts as never checked.
 */
export function staleCaaResults(authorizations: readonly ValidatedAuthorization[], now: Date, enforcedSince: Date): ValidatedAuthorization[] {
  return authorizations.filter(
    (a) =>
      a.identifier.type === "dns" &&
      (a.validatedAt === null || a.validatedAt < enforcedSince.getTime() || now.getTime() - a.validatedAt > CAA_RESULT_LIFETIME_MS),
  );
}
