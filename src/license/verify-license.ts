/**
 * Reading a license: find the compact JWS, check its Ed25519 signature (RFC 8037, alg EdDSA)
 * against each trusted key with `jose`, parse its claims, and check it has not expired. Every
 * refusal says why in a sentence for the operator, with the reason code of the
 * `license.install-rejected` event.
 */
import { compactVerify, errors } from "jose";
import type { Entitlement } from "../../events/index.js";
import { entitlementOf, licenseClaimsSchema } from "./claims.js";
import { licenseTokenOf } from "./license-file.js";
import type { TrustedKey } from "./trusted-keys.js";

export type LicenseVerdict =
  | { readonly ok: true; readonly token: string; readonly entitlement: Entitlement; readonly signedBy: string }
  | { readonly ok: false; readonly reason: "malformed" | "bad_signature" | "expired"; readonly detail: string; readonly licenseId: string | null };

/** RFC 8037 §3.1; "Ed25519" is the fully specified name of the same algorithm (RFC 9864). */
const ALGORITHMS = ["EdDSA", "Ed25519"];

/** Verify a signed token; `now` decides expiry (null: do not check it, e.g. re-verifying at boot). */
export async function verifyLicenseToken(token: string, keys: readonly TrustedKey[], now: Date | null): Promise<LicenseVerdict> {
  const malformed = (detail: string): LicenseVerdict => ({ ok: false, reason: "malformed", detail, licenseId: null });
  let payload: Uint8Array | undefined;
  let signedBy = "";
  for (const { key, origin } of keys) {
    try {
      payload = (await compactVerify(token, key, { algorithms: ALGORITHMS })).payload;
      signedBy = origin;
      break;
    } catch (error) {
      if (error instanceof errors.JWSSignatureVerificationFailed) continue;
      if (error instanceof errors.JOSEAlgNotAllowed) return malformed("the license is not signed with Ed25519 (alg EdDSA)");
      if (error instanceof errors.JWSInvalid || error instanceof errors.JOSENotSupported) return malformed(`the license is not a valid signed token (${error.message})`);
      throw error;
    }
  }
  if (payload === undefined) {
    return { ok: false, reason: "bad_signature", detail: `the license signature does not verify with any trusted key (${keys.map((k) => k.origin).join(", ")})`, licenseId: null };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return malformed("the license payload is not JSON");
  }
  const claims = licenseClaimsSchema.safeParse(json);
  if (!claims.success) {
    const issue = claims.error.issues[0];
    return malformed(`the license payload is not understood: ${issue ? `${issue.path.join(".") || "payload"}: ${issue.message}` : "invalid"}`);
  }
  const entitlement = entitlementOf(claims.data);
  if (now !== null && Date.parse(entitlement.expiresAt) <= now.getTime()) {
    return { ok: false, reason: "expired", detail: `license ${entitlement.licenseId} expired at ${entitlement.expiresAt}`, licenseId: entitlement.licenseId };
  }
  return { ok: true, token, entitlement, signedBy };
}

/** Verify the text of a license file (bare token or CERTEASY LICENSE block). */
export async function verifyLicenseText(text: string, keys: readonly TrustedKey[], now: Date): Promise<LicenseVerdict> {
  const token = licenseTokenOf(text);
  if (token === null) {
    return { ok: false, reason: "malformed", detail: "the file holds no license: expected a compact JWS, bare or inside -----BEGIN CERTEASY LICENSE----- … -----END CERTEASY LICENSE-----", licenseId: null };
  }
  return verifyLicenseToken(token, keys, now);
}
