/**
 * Whether a node may boot with its license and configuration (behaviour reference §8.3): the
 * banner title and the reasons when it may not. Pure; the signature of the installed license has
 * been checked again by the caller against the keys configured now.
 */
import type { LicensedConfiguration } from "./fit.js";
import { misfits } from "./fit.js";
import { licenseStanding, type InstalledEntitlement, type LicenseStanding } from "./limits.js";

export type BootVerdict<L extends InstalledEntitlement = InstalledEntitlement> =
  | { readonly kind: "allowed"; readonly standing: LicenseStanding<L> }
  | { readonly kind: "refused"; readonly title: string; readonly reasons: readonly string[]; readonly standing: LicenseStanding<L> };

export interface BootFacts<L extends InstalledEntitlement> {
  readonly installed: L | null;
  /** null when the installed license verifies; else why not (a key removed from config, a tampered row…) */
  readonly signatureProblem: string | null;
  readonly config: LicensedConfiguration;
  readonly now: Date;
}

export function decideBoot<L extends InstalledEntitlement>(facts: BootFacts<L>): BootVerdict<L> {
  const standing = licenseStanding(facts.installed, facts.now);
  const refuse = (title: string, reasons: readonly string[]): BootVerdict<L> => ({ kind: "refused", title: `BOOT REFUSED (${title})`, reasons, standing });
  if (standing.kind !== "none" && facts.signatureProblem !== null) {
    return refuse("LICENSE ERROR", [`the installed license ${standing.license.entitlement.licenseId} does not verify: ${facts.signatureProblem}`]);
  }
  if (standing.kind === "lapsed") {
    const { expiresAt, licenseId } = standing.license.entitlement;
    return refuse("LICENSE EXPIRED", [`license ${licenseId} expired at ${expiresAt} and its 7-day boot grace is over: install a renewed license`]);
  }
  const found = misfits(standing.limits, facts.config).map((m) => m.detail);
  if (found.length > 0) {
    if (standing.kind === "none") return refuse("NO LICENSE", [...found, "without a license the Free plan applies: install a license that allows this configuration"]);
    return refuse("LICENSE DEGRADED", [...found, "change the configuration or install a license that allows it"]);
  }
  return { kind: "allowed", standing };
}
