/**
 * The CAA check itself: search the relevant RRset with the profile's resolvers (each name asks
 * the zone that answers for it) under the caller's deadline, then judge it. A search that
 * cannot finish is `unavailable` — never `permitted`.
 */
import type { Deadline } from "../deadline.js";
import { describeDnsFailure } from "../dns/failure.js";
import { dnsLookupFor } from "../dns/lookup.js";
import type { ValidationProfile } from "../profile.js";
import { zoneFor } from "../select-profile.js";
import { caaVerdict } from "./issuance-verdict.js";
import { findRelevantRrset } from "./relevant-rrset.js";
import type { CaaOutcome, CaaRequest } from "./types.js";

/** A recorded problem's detail holds at most 1024 characters (events/order.ts problemSchema). */
const MAX_DETAIL = 1024;

export async function checkCaa(
  request: CaaRequest,
  identities: readonly string[],
  profile: ValidationProfile,
  deadline: Deadline,
): Promise<CaaOutcome> {
  const search = await findRelevantRrset(request.name, (name) => dnsLookupFor(zoneFor(profile, name), deadline).caa(name));
  if (!search.ok) {
    const shown = request.wildcard ? `*.${request.name}` : request.name;
    const why = describeDnsFailure(search.failure);
    return { kind: "unavailable", detail: bounded(`Checking CAA for ${shown}: looking up CAA records at ${search.at}: ${why}`) };
  }
  const verdict = caaVerdict(search.rrset, request, identities);
  return verdict.permitted ? { kind: "permitted" } : { kind: "refused", detail: bounded(verdict.reason) };
}

function bounded(detail: string): string {
  return detail.length <= MAX_DETAIL ? detail : `${detail.slice(0, MAX_DETAIL - 1)}…`;
}
