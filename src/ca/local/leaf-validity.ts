/**
 * The validity window of a leaf the embedded CA issues (pure).
 *
 * Without a request: notBefore = now − 5 minutes (clients whose clocks run a little behind still
 * accept the certificate) and notAfter = notBefore + lifetime, never past the issuing CA's own
 * notAfter. A client that asked for notBefore/notAfter (RFC 8555 §7.1.3) gets exactly that or a
 * denial: §7.4 says the server "MUST NOT issue a certificate with contents other than those
 * requested", so a request the CA cannot honour is refused, never silently shortened.
 *
 * Certificates carry whole seconds (RFC 5280 §4.1.2.5), so every instant is rounded down to one.
 */

export const DEFAULT_BACKDATE_MS = 5 * 60_000;
/** How far in the past a requested notBefore may lie (an order may wait a while before finalize). */
export const MAX_REQUESTED_BACKDATE_MS = 24 * 3_600_000;

export interface ValidityLimits {
  /** the longest notAfter − notBefore this CA issues */
  readonly lifetimeMs: number;
  readonly caNotBefore: Date;
  readonly caNotAfter: Date;
}

export interface RequestedValidity {
  readonly notBefore?: Date | undefined;
  readonly notAfter?: Date | undefined;
}

export type ValidityDecision =
  | { readonly ok: true; readonly notBefore: Date; readonly notAfter: Date }
  | { readonly ok: false; readonly reason: string };

const wholeSeconds = (ms: number): number => Math.floor(ms / 1000) * 1000;
const iso = (ms: number): string => new Date(ms).toISOString().replace(".000Z", "Z");
const deny = (reason: string): ValidityDecision => ({ ok: false, reason });

export function decideLeafValidity(limits: ValidityLimits, requested: RequestedValidity, now: Date): ValidityDecision {
  const nowMs = now.getTime();
  const caNotBefore = limits.caNotBefore.getTime();
  const caNotAfter = limits.caNotAfter.getTime();
  if (nowMs < caNotBefore) return deny(`the issuing CA is not valid before ${iso(caNotBefore)}`);
  if (nowMs >= caNotAfter) return deny(`the issuing CA expired on ${iso(caNotAfter)}`);

  let notBefore = wholeSeconds(Math.max(nowMs - DEFAULT_BACKDATE_MS, caNotBefore));
  if (requested.notBefore !== undefined) {
    const asked = requested.notBefore.getTime();
    if (Number.isNaN(asked)) return deny("the requested notBefore is not a valid date");
    if (asked < caNotBefore) {
      return deny(`the requested notBefore ${iso(asked)} is before the issuing CA's validity starts (${iso(caNotBefore)})`);
    }
    if (asked < nowMs - MAX_REQUESTED_BACKDATE_MS) {
      return deny(`the requested notBefore ${iso(asked)} is more than 24 hours in the past`);
    }
    if (asked > nowMs + limits.lifetimeMs) {
      return deny(`the requested notBefore ${iso(asked)} is further in the future than the ${days(limits.lifetimeMs)} this CA issues for`);
    }
    notBefore = wholeSeconds(asked);
  }

  if (requested.notAfter === undefined) {
    const notAfter = wholeSeconds(Math.min(notBefore + limits.lifetimeMs, caNotAfter));
    if (notAfter <= notBefore) return deny(`the requested notBefore ${iso(notBefore)} is not before the issuing CA expires (${iso(caNotAfter)})`);
    return { ok: true, notBefore: new Date(notBefore), notAfter: new Date(notAfter) };
  }
  const asked = requested.notAfter.getTime();
  if (Number.isNaN(asked)) return deny("the requested notAfter is not a valid date");
  const notAfter = wholeSeconds(asked);
  if (notAfter <= notBefore) return deny(`the requested notAfter ${iso(asked)} is not after notBefore ${iso(notBefore)}`);
  if (asked <= nowMs) return deny(`the requested notAfter ${iso(asked)} is in the past`);
  if (asked > caNotAfter) {
    return deny(`the requested notAfter ${iso(asked)} is past the issuing CA's expiry (${iso(caNotAfter)})`);
  }
  if (notAfter - notBefore > limits.lifetimeMs) {
    return deny(`the requested validity is longer than the ${days(limits.lifetimeMs)} this CA issues for`);
  }
  return { ok: true, notBefore: new Date(notBefore), notAfter: new Date(notAfter) };
}

function days(ms: number): string {
  const count = ms / 86_400_000;
  if (Number.isInteger(count)) return count === 1 ? "1 day" : `${count} days`;
  const hours = ms / 3_600_000;
  return Number.isInteger(hours) ? `${hours} hours` : `${Math.round(ms / 1000)} seconds`;
}
