/**
 * The payload a license signs (JSON, snake_case like the product's startup log of limits):
 *
 *   { "plan": "pro", "license_id": "CRT-…", "issued_at": "2026-01-01T00:00:00Z",
 *     "expires_at": "2027-01-01T00:00:00Z", "max_managed_servers": "unlimited" | 250,
 *     "max_cas": 3, "allowed_dbs": ["postgres", "sqlserver"] }
 *
 * Unknown members are refused rather than ignored: a limit this build does not understand must
 * not silently go unenforced.
 */
import { z } from "zod";
import { LICENSE_PLANS, LICENSED_DRIVERS, type Entitlement } from "../../events/index.js";

const utc = z.iso.datetime({ offset: false });

export const licenseClaimsSchema = z
  .strictObject({
    plan: z.enum(LICENSE_PLANS),
    license_id: z.string().regex(/^[\x21-\x7e]{1,64}$/, "1 to 64 printable characters"),
    issued_at: utc,
    expires_at: utc,
    max_managed_servers: z.union([z.number().int().nonnegative(), z.literal("unlimited")]),
    max_cas: z.number().int().nonnegative(),
    allowed_dbs: z.array(z.enum(LICENSED_DRIVERS)).min(1),
  })
  .refine((c) => Date.parse(c.expires_at) > Date.parse(c.issued_at), { message: "expires_at must be after issued_at", path: ["expires_at"] });

export type LicenseClaims = z.input<typeof licenseClaimsSchema>;

export function entitlementOf(claims: z.output<typeof licenseClaimsSchema>): Entitlement {
  return {
    plan: claims.plan,
    licenseId: claims.license_id,
    // Stored as the log's timestamps are: UTC with milliseconds.
    issuedAt: new Date(claims.issued_at).toISOString(),
    expiresAt: new Date(claims.expires_at).toISOString(),
    maxManagedServers: claims.max_managed_servers === "unlimited" ? null : claims.max_managed_servers,
    maxCas: claims.max_cas,
    allowedDbs: [...new Set(claims.allowed_dbs)],
  };
}
