/**
 * From a host (a name, or an IP literal) to the addresses a check may connect to: resolve the
 * name through the profile's zone (RFC 8555 §8.3: A and AAAA), normalise, drop what the address
 * policy refuses, and order them (IPv6 first). IP identifiers (RFC 8738) skip resolution but not
 * the policy.
 */
import { connectionOrder } from "./address-policy.js";
import type { CheckContext } from "./context.js";
import { describeDnsFailure } from "./dns/failure.js";
import { dnsLookupFor } from "./dns/lookup.js";
import { ipFamily, normaliseAddress } from "./ip.js";
import { invalid, listSome } from "./outcome.js";
import { zoneFor } from "./select-profile.js";
import type { ValidationOutcome } from "./types.js";

export type Reachable =
  | { readonly ok: true; readonly addresses: readonly string[] }
  | { readonly ok: false; readonly outcome: ValidationOutcome };

const SHOWN_ADDRESSES = 5;

/** `activity` opens every detail: "Fetching http://a.test/.well-known/acme-challenge/…". */
export async function reachableAddresses(host: string, context: CheckContext, activity: string): Promise<Reachable> {
  if (ipFamily(host) !== 0) {
    const address = normaliseAddress(host) ?? host;
    if (context.policy.permits(address)) return { ok: true, addresses: [address] };
    return refuse(`${activity}: ${host} is an address this server may not connect to`);
  }
  const lookup = dnsLookupFor(zoneFor(context.profile, host), context.deadline);
  const answer = await lookup.addresses(host);
  if (!answer.ok) {
    const why = answer.failure === "nodata" ? "no A or AAAA record" : describeDnsFailure(answer.failure);
    return { ok: false, outcome: invalid("dns", `${activity}: resolving ${host} (A and AAAA records): ${why}`) };
  }
  const resolved = connectionOrder(answer.records.map((a) => normaliseAddress(a) ?? a));
  const permitted = resolved.filter((address) => context.policy.permits(address));
  if (permitted.length > 0) return { ok: true, addresses: permitted };
  return refuse(
    `${activity}: ${host} resolves only to addresses this server may not connect to (${listSome(resolved, SHOWN_ADDRESSES)})`,
  );
}

function refuse(detail: string): Reachable {
  return { ok: false, outcome: invalid("connection", detail) };
}
