/**
 * The limits in force (behaviour reference §8.3–8.4): those of the installed license while it is
 * valid or within its post-expiry grace, the Free plan's otherwise. Pure: the installed license
 * comes from the license projection, the time from the caller's clock.
 */
import type { Entitlement, LicensedDriver, LicensePlan } from "../../../events/index.js";

export interface Limits {
  readonly plan: LicensePlan;
  /** null: unlimited */
  readonly maxManagedServers: number | null;
  readonly maxCas: number;
  readonly allowedDbs: readonly LicensedDriver[];
}

/** Reference §8.4: the Free plan, which applies without a license. */
export const FREE_LIMITS: Limits = { plan: "free", maxManagedServers: 25, maxCas: 1, allowedDbs: ["sqlite"] };

/** Reference §8.3: a license that expired still lets the server boot for 7 days. */
export const BOOT_GRACE_MS = 7 * 24 * 60 * 60 * 1000;

/** An installed license as the license projection holds it (only its entitlement matters here). */
export interface InstalledEntitlement {
  readonly entitlement: Entitlement;
}

export type LicenseStanding<L extends InstalledEntitlement = InstalledEntitlement> =
  | { readonly kind: "none"; readonly limits: Limits }
  | { readonly kind: "valid"; readonly limits: Limits; readonly license: L }
  | { readonly kind: "grace"; readonly limits: Limits; readonly license: L; readonly graceEndsAt: Date }
  | { readonly kind: "lapsed"; readonly limits: Limits; readonly license: L };

export const limitsOf = (entitlement: Entitlement): Limits => ({
  plan: entitlement.plan,
  maxManagedServers: entitlement.maxManagedServers,
  maxCas: entitlement.maxCas,
  allowedDbs: entitlement.allowedDbs,
});

export function licenseStanding<L extends InstalledEntitlement>(installed: L | null, now: Date): LicenseStanding<L> {
  if (installed === null) return { kind: "none", limits: FREE_LIMITS };
  const expiresAt = Date.parse(installed.entitlement.expiresAt);
  const limits = limitsOf(installed.entitlement);
  if (now.getTime() < expiresAt) return { kind: "valid", limits, license: installed };
  const graceEndsAt = expiresAt + BOOT_GRACE_MS;
  if (now.getTime() < graceEndsAt) return { kind: "grace", limits, license: installed, graceEndsAt: new Date(graceEndsAt) };
  // Past the grace its limits no longer apply; the next boot is refused (boot.ts).
  return { kind: "lapsed", limits: FREE_LIMITS, license: installed };
}

export const formatMaxManagedServers = (max: number | null): string => (max === null ? "unlimited" : String(max));
