/**
 * RFC 9773 §4.2 suggested renewal window (reference §2.5): it opens at `lifetime-fraction` of
 * the certificate's lifetime and lasts `window-width`, never past notAfter. A revoked
 * certificate (or one with no lifetime) should be replaced now: the window collapses to [now, now].
 */
import type { CertificateRow } from "../../../projections/index.js";

export interface RenewalWindowSettings {
  readonly lifetimeFraction: number;
  readonly windowWidthMs: number;
}

export function renewalWindow(
  certificate: Pick<CertificateRow, "notBefore" | "notAfter" | "status">,
  settings: RenewalWindowSettings,
  now: Date,
): { readonly start: Date; readonly end: Date } {
  const lifetime = certificate.notAfter - certificate.notBefore;
  if (certificate.status === "revoked" || lifetime <= 0) return { start: now, end: now };
  const start = certificate.notBefore + Math.floor(lifetime * settings.lifetimeFraction);
  const end = Math.min(start + settings.windowWidthMs, certificate.notAfter);
  return { start: new Date(start), end: new Date(end) };
}
