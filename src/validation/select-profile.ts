/**
 * Which profile and which resolver zone validate a name. A suffix matches the name itself and
 * every name below it; "" matches every name; the longest matching suffix wins (reference §3.4
 * `zones[].suffixes`). IP identifiers need no resolver and take the first profile, as does a name
 * no profile covers (its lookups then go to the system resolver).
 */
import type { ResolverZone, ValidationProfile } from "./profile.js";

/** Length of the longest suffix of `zone` matching `name`, or -1. */
function matchLength(zone: ResolverZone, name: string): number {
  let best = -1;
  for (const suffix of zone.suffixes) {
    const matches = suffix === "" || name === suffix || name.endsWith(`.${suffix}`);
    if (matches && suffix.length > best) best = suffix.length;
  }
  return best;
}

function bestZone(profile: ValidationProfile, name: string): { zone: ResolverZone; length: number } | undefined {
  let best: { zone: ResolverZone; length: number } | undefined;
  for (const zone of profile.zones) {
    const length = matchLength(zone, name);
    if (length >= 0 && (best === undefined || length > best.length)) best = { zone, length };
  }
  return best;
}

/** The index of the profile for a DNS name (or an IP identifier when `name` is undefined). */
export function profileIndexFor<P extends ValidationProfile>(profiles: readonly P[], name: string | undefined): number {
  if (name === undefined) return 0;
  let bestIndex = 0;
  let bestLength = -1;
  profiles.forEach((profile, index) => {
    const length = bestZone(profile, name)?.length ?? -1;
    if (length > bestLength) {
      bestIndex = index;
      bestLength = length;
    }
  });
  return bestIndex;
}

/**
 * The profile of one validation: the one the order's issuance policy names (reference §3.4
 * `dns-validation-profile`), else the one whose zones cover the name (`profileIndexFor`).
 */
export function profileIndexForIdentifier<P extends ValidationProfile>(
  profiles: readonly P[],
  identifier: { readonly type: "dns" | "ip"; readonly value: string },
  named: string | null | undefined,
): number {
  const index = named ? profiles.findIndex((p) => p.name === named) : -1;
  return index >= 0 ? index : profileIndexFor(profiles, identifier.type === "dns" ? identifier.value : undefined);
}

/** The zone whose resolver answers for `name`; undefined means the system resolver over UDP. */
export function zoneFor(profile: ValidationProfile, name: string): ResolverZone | undefined {
  return bestZone(profile, name.toLowerCase())?.zone;
}
