/**
 * Rate-limit refusals (behaviour reference §7), so that auditors see who was turned away, by
 * which limiter and for how long. Stream `ratelimit:<limit>`, one per limiter; appended with any
 * expected version, since refusals never conflict with each other. The key is an IP address, an
 * account id, or an account id joined to a name or an identifier-set hash — never a secret.
 */
import { z } from "zod";
import { defineEvent } from "./define.js";

export const RATE_LIMIT_NAMES = [
  "global",
  "abuse",
  "account-creation",
  "order-creation",
  "duplicate-certificate",
  "failed-validation",
  "pending-authorizations",
] as const;
export type RateLimitName = (typeof RATE_LIMIT_NAMES)[number];

export const rateLimitStreamId = (limit: RateLimitName): string => `ratelimit:${limit}`;

export const RateLimitDenied = defineEvent(
  "ratelimit.denied",
  z.strictObject({
    limit: z.enum(RATE_LIMIT_NAMES),
    key: z.string().min(1).max(400),
    /** what the client was told in Retry-After (RFC 9110 §10.2.3: whole seconds) */
    retryAfterSeconds: z.number().int().nonnegative(),
  }),
);

export const rateLimitEvents = [RateLimitDenied] as const;
