/**
 * What `certeasy license show` prints: the license in force (or the Free plan), its dates and
 * limits, and the usage it is measured against. Plain JSON, so the admin channel carries it as is.
 */
import type { LicensedDriver, LicensePlan, Misfit } from "../../events/index.js";
import { BOOT_GRACE_MS, licenseStanding, misfits, type LicensedConfiguration } from "../domain/license/index.js";
import type { LicenseState } from "../../projections/index.js";

export interface LicenseStatus {
  /** "none": no license installed, the Free plan applies; "lapsed": expired past the boot grace */
  readonly standing: "none" | "valid" | "grace" | "lapsed";
  /** the plan whose limits are in force */
  readonly plan: LicensePlan;
  /** the installed license's own plan (differs from `plan` once it lapsed) */
  readonly licensePlan: LicensePlan | null;
  readonly licenseId: string | null;
  readonly issuedAt: string | null;
  readonly expiresAt: string | null;
  readonly installedAt: string | null;
  /** when a node can no longer boot with this license (expiry + 7 days) */
  readonly graceEndsAt: string | null;
  readonly limits: { readonly maxManagedServers: number | null; readonly maxCas: number; readonly allowedDbs: readonly LicensedDriver[] };
  readonly usage: { readonly managedServers: number; readonly authorities: number; readonly driver: LicensedDriver };
  /** how the configuration does not fit the limits in force (the next boot is refused) */
  readonly misfits: readonly Misfit[];
}

export function licenseStatus(state: LicenseState, config: LicensedConfiguration, now: Date): LicenseStatus {
  const standing = licenseStanding(state.installed, now);
  const license = standing.kind === "none" ? null : standing.license;
  const entitlement = license?.entitlement;
  return {
    standing: standing.kind,
    plan: standing.limits.plan,
    licensePlan: entitlement?.plan ?? null,
    licenseId: entitlement?.licenseId ?? null,
    issuedAt: entitlement?.issuedAt ?? null,
    expiresAt: entitlement?.expiresAt ?? null,
    installedAt: license?.installedAt ?? null,
    graceEndsAt: entitlement ? new Date(Date.parse(entitlement.expiresAt) + BOOT_GRACE_MS).toISOString() : null,
    limits: { maxManagedServers: standing.limits.maxManagedServers, maxCas: standing.limits.maxCas, allowedDbs: standing.limits.allowedDbs },
    usage: { managedServers: state.servers.count(now.getTime()), authorities: config.authorities.length, driver: config.driver },
    misfits: misfits(standing.limits, config),
  };
}
