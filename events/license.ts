/**
 * Licensing (behaviour reference §8): which license is installed, which installs were refused,
 * which new orders it turned away and which boots it refused. Stream `license` for the installed
 * license and its refusals (appended at any version: the last `license.installed` wins), stream
 * `license:denials` for refused orders. `license.installed` carries the signed token itself, so
 * the log alone proves what was installed, and the entitlement read from it at install time, so
 * projections need no cryptography to fold it.
 */
import { z } from "zod";
import { defineEvent } from "./define.js";

export const licenseStreamId = "license";
export const licenseDenialsStreamId = "license:denials";

export const LICENSE_PLANS = ["free", "starter", "pro", "enterprise"] as const;
export type LicensePlan = (typeof LICENSE_PLANS)[number];

/** `database.driver` values a license may allow (reference §6: plan gating of drivers). */
export const LICENSED_DRIVERS = ["sqlite", "postgres", "sqlserver"] as const;
export type LicensedDriver = (typeof LICENSED_DRIVERS)[number];

const isoTime = z.iso.datetime({ offset: false });

/** What a license allows, as signed by its issuer. */
export const entitlementSchema = z.strictObject({
  plan: z.enum(LICENSE_PLANS),
  /** the license key id (reference §8.1: `CRT-…`), shown in banners and `license show` */
  licenseId: z.string().min(1).max(64),
  issuedAt: isoTime,
  expiresAt: isoTime,
  /** null: unlimited */
  maxManagedServers: z.number().int().nonnegative().nullable(),
  maxCas: z.number().int().nonnegative(),
  allowedDbs: z.array(z.enum(LICENSED_DRIVERS)).min(1),
});
export type Entitlement = z.infer<typeof entitlementSchema>;

/** Why a configuration does not fit an entitlement (reference §8.3 reason codes). */
export const MISFIT_REASONS = ["db_not_allowed", "max_cas_exceeded"] as const;
export const misfitSchema = z.strictObject({ reason: z.enum(MISFIT_REASONS), detail: z.string().max(512) });
export type Misfit = z.infer<typeof misfitSchema>;

export const LicenseInstalled = defineEvent(
  "license.installed",
  z.strictObject({
    /** the compact JWS as installed: anyone can verify it again from the log */
    token: z.string().min(1).max(16_384),
    entitlement: entitlementSchema,
    /** how the configuration did not fit when it was installed with --force; empty otherwise */
    misfits: z.array(misfitSchema),
  }),
);

export const INSTALL_REJECTION_REASONS = ["malformed", "bad_signature", "expired", ...MISFIT_REASONS] as const;

export const LicenseInstallRejected = defineEvent(
  "license.install-rejected",
  z.strictObject({
    reason: z.enum(INSTALL_REJECTION_REASONS),
    detail: z.string().max(1024),
    /** known once the signature verified */
    licenseId: z.string().min(1).max(64).nullable(),
  }),
);

export const LICENSE_DENIAL_REASONS = ["managed_servers_exceeded", "max_managed_servers_zero"] as const;

/** A new order refused because counting its account would exceed the managed servers allowed. */
export const LicenseDenied = defineEvent(
  "license.denied",
  z.strictObject({
    reason: z.enum(LICENSE_DENIAL_REASONS),
    accountId: z.uuid(),
    managedServers: z.number().int().nonnegative(),
    maxManagedServers: z.number().int().nonnegative(),
    /** null: the Free plan (no license installed, or the installed one lapsed) */
    licenseId: z.string().min(1).max(64).nullable(),
  }),
);

export const LicenseBootRefused = defineEvent(
  "license.boot-refused",
  z.strictObject({
    /** the banner title, e.g. "BOOT REFUSED (LICENSE EXPIRED)" */
    title: z.string().min(1).max(64),
    reasons: z.array(z.string().max(512)).min(1),
    licenseId: z.string().min(1).max(64).nullable(),
  }),
);

export const licenseEvents = [LicenseInstalled, LicenseInstallRejected, LicenseDenied, LicenseBootRefused] as const;
