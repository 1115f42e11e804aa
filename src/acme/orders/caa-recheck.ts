/**
 * CAA checked again at finalization (RFC 8659 §3; CA/Browser Forum BR §3.2.2.8): of the order's
 * authorizations — its own from its stream, reused ones from their rows — those whose CAA
 * result is older than CAA_RESULT_LIFETIME_MS, or from before this process enforced CAA, are
 * checked again, all at once, before the CSR goes to the CA. The validation time is the validated challenge's `validated` (its
 * `acme.challenge.valid` event), so no event of its own is needed.
 */
import type { AuthorizationRow } from "../../../projections/index.js";
import { latestValidation, staleCaaResults, validatedAuthorization, type CaaRefusal, type OrderState, type ValidatedAuthorization } from "../../domain/order/index.js";
import type { CaaChecker } from "../../validation/index.js";
import type { OrderService } from "./order-service.js";

export interface CaaRecheckDeps {
  readonly check: CaaChecker;
  /** the account's URLs, which an RFC 8657 `accounturi` is compared with */
  readonly accountUrlsOf: (accountId: string) => readonly string[];
  /** the DNS validation profile an issuance policy names (reference §3.4); null: by zone suffix */
  readonly validationProfileOf: (policy: string) => string | null;
  /**
   * when this process began enforcing CAA (the configuration is read once, at start): results of
   * validations before it are not relied on (staleCaaResults)
   */
  readonly enforcedSince: Date;
}

export type CaaRecheck =
  | { readonly kind: "permitted" }
  /** at least one name is refused: the order cannot be issued, whatever the other lookups gave */
  | { readonly kind: "refused"; readonly refusals: readonly CaaRefusal[] }
  | { readonly kind: "unavailable"; readonly detail: string };

/** `reused`: the rows of the authorizations the order reuses, as finalization just read them. */
export async function recheckCaa(state: OrderState, reused: readonly AuthorizationRow[], orders: OrderService, deps: CaaRecheckDeps, now: Date): Promise<CaaRecheck> {
  const stale = staleCaaResults(await validatedAuthorizations(state, reused, orders), now, deps.enforcedSince);
  const accountUris = deps.accountUrlsOf(state.accountId);
  const profile = deps.validationProfileOf(state.policy);
  const outcomes = await Promise.all(
    stale.map(async (authorization) => {
      const { identifier, wildcard } = authorization;
      // A validation of unknown type meets no RFC 8657 validationmethods: fail closed.
      const request = { name: identifier.value, wildcard, accountUris, challengeType: authorization.challengeType ?? "", profile };
      return { authorization, outcome: await deps.check(request) };
    }),
  );
  const refusals = outcomes.flatMap(({ authorization, outcome }): CaaRefusal[] =>
    outcome.kind === "refused" ? [{ identifier: authorization.identifier, wildcard: authorization.wildcard, detail: outcome.detail }] : [],
  );
  if (refusals.length > 0) return { kind: "refused", refusals };
  const failed = outcomes.find(({ outcome }) => outcome.kind === "unavailable")?.outcome;
  return failed?.kind === "unavailable" ? { kind: "unavailable", detail: failed.detail } : { kind: "permitted" };
}

/** Every authorization of the order, in the order's identifier order, with when and how it was validated. */
async function validatedAuthorizations(state: OrderState, reused: readonly AuthorizationRow[], orders: OrderService): Promise<ValidatedAuthorization[]> {
  const own = new Map(state.authorizations.map((a) => [a.authzId, a]));
  const rows = new Map(reused.map((row) => [row.authzId, row]));
  const found: ValidatedAuthorization[] = [];
  for (const authzId of state.authorizationIds) {
    const mine = own.get(authzId);
    if (mine !== undefined) {
      found.push(validatedAuthorization(mine));
      continue;
    }
    const row = rows.get(authzId);
    // Missing or no longer valid: finalization refuses the order for that before CAA matters.
    if (row === undefined) continue;
    found.push({
      authzId,
      identifier: { type: row.identifierType, value: row.identifierValue },
      wildcard: Boolean(row.wildcard),
      ...latestValidation(await orders.challengesOf(authzId)),
    });
  }
  return found;
}
