/**
 * What a limiter answers, and the sentence a client reads in the 429 problem's `detail` (RFC
 * 8555 §6.7 `rateLimited`): which limit, and when to retry. `retryAfterMs` is exact; the HTTP
 * layer rounds it up to whole seconds for Retry-After (RFC 9110 §10.2.3) with
 * `retryAfterSeconds`, so a client that waits as told is never refused again for the same reason.
 */
import type { RateLimitName } from "../../events/index.js";

export type { RateLimitName } from "../../events/index.js";

export interface RateLimitDenial {
  readonly ok: false;
  readonly limit: RateLimitName;
  /** the address, account or (account, name / identifier set) that hit the limit */
  readonly key: string;
  readonly retryAfterMs: number;
  readonly detail: string;
}

export type RateLimitDecision = { readonly ok: true } | RateLimitDenial;

export const ALLOWED: RateLimitDecision = { ok: true };

export const retryAfterSeconds = (retryAfterMs: number): number => Math.max(0, Math.ceil(retryAfterMs / 1_000));

export function deny(limit: RateLimitName, key: string, retryAfterMs: number, reason: string): RateLimitDenial {
  return { ok: false, limit, key, retryAfterMs, detail: `${reason} Retry after ${describeWait(retryAfterMs)}.` };
}

function describeWait(ms: number): string {
  const seconds = retryAfterSeconds(ms);
  if (seconds < 120) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return `${minutes} minutes`;
  return `${Math.ceil(minutes / 60)} hours`;
}
