/**
 * The license check `serve` runs once the log is hydrated (behaviour reference §8.3, §11.6 step
 * 5): verify the installed license again against the keys configured now, decide, and render the
 * banner the operator sees on stderr — the reasons, the license key and the server_id.
 */
import { LicenseBootRefused, licenseStreamId, type Entitlement } from "../../events/index.js";
import type { InstalledLicense, LicenseState } from "../../projections/index.js";
import type { CerteasyConfig } from "../config/index.js";
import { decideBoot, formatMaxManagedServers, type BootVerdict, type LicensedConfiguration } from "../domain/license/index.js";
import type { AppendCommand } from "../store/dialect.js";
import type { TrustedKey } from "./trusted-keys.js";
import { verifyLicenseToken } from "./verify-license.js";

export const licensedConfiguration = (config: Pick<CerteasyConfig, "database" | "authorities">): LicensedConfiguration => ({
  driver: config.database.driver,
  authorities: config.authorities.map((a) => a.name),
});

export interface LicenseBootCheck {
  readonly verdict: BootVerdict<InstalledLicense>;
  /** text for stderr: the refusal, or a warning while an expired license is in its grace; null when all is well */
  readonly banner: string | null;
}

export async function checkLicenseAtBoot(options: {
  readonly state: LicenseState;
  readonly keys: readonly TrustedKey[];
  readonly config: LicensedConfiguration;
  readonly now: Date;
  readonly serverId: string;
}): Promise<LicenseBootCheck> {
  const { installed } = options.state;
  let signatureProblem: string | null = null;
  if (installed !== null) {
    const check = await verifyLicenseToken(installed.token, options.keys, null);
    if (!check.ok) signatureProblem = check.detail;
    else if (!sameEntitlement(check.entitlement, installed.entitlement)) signatureProblem = "the recorded limits differ from the signed ones";
  }
  const verdict = decideBoot({ installed, signatureProblem, config: options.config, now: options.now });
  return { verdict, banner: bannerOf(verdict, options.serverId) };
}

/** The event's entitlement must be the token's: a row edited in the database must not raise the limits. */
function sameEntitlement(signed: Entitlement, recorded: Entitlement): boolean {
  return (Object.keys(signed) as (keyof Entitlement)[]).every((key) => JSON.stringify(signed[key]) === JSON.stringify(recorded[key]));
}

/** The `license.boot-refused` record of a refused boot. */
export function bootRefusedCommand(verdict: Extract<BootVerdict<InstalledLicense>, { kind: "refused" }>): AppendCommand {
  const licenseId = verdict.standing.kind === "none" ? null : verdict.standing.license.entitlement.licenseId;
  return {
    streamId: licenseStreamId,
    expectedVersion: "any",
    events: [LicenseBootRefused.create({ title: verdict.title, reasons: verdict.reasons.map((r) => r.slice(0, 512)), licenseId })],
  };
}

const RULE = "=".repeat(72);

function bannerOf(verdict: BootVerdict<InstalledLicense>, serverId: string): string | null {
  const { standing } = verdict;
  let title: string;
  let lines: readonly string[];
  if (verdict.kind === "refused") {
    title = verdict.title;
    lines = verdict.reasons;
  } else if (standing.kind === "grace") {
    title = "LICENSE EXPIRED: RUNNING IN BOOT GRACE";
    lines = [
      `license ${standing.license.entitlement.licenseId} expired at ${standing.license.entitlement.expiresAt}`,
      `this server will refuse to boot from ${standing.graceEndsAt.toISOString()}: install a renewed license`,
    ];
  } else {
    return null;
  }
  const license = standing.kind === "none" ? "none (Free plan)" : `${standing.license.entitlement.licenseId} (${standing.license.entitlement.plan})`;
  const { limits } = standing;
  return [
    RULE,
    ` ${title}`,
    RULE,
    ` license:    ${license}`,
    ` server_id:  ${serverId}`,
    ` limits:     max_managed_servers=${formatMaxManagedServers(limits.maxManagedServers)} max_cas=${limits.maxCas} allowed_dbs=${limits.allowedDbs.join(",")}`,
    "",
    ...lines.map((line) => ` - ${line}`),
    "",
    " See `certeasy license show -f <config>`; install one with `certeasy license install -f <config> FILE`.",
    RULE,
    "",
  ].join("\n");
}
