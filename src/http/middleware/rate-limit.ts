/**
 * The per-address limits of reference §7, before any crypto (`global`, then `abuse`): a refused
 * request costs one bucket lookup. After the request, what it revealed about the client is
 * weighed: a JWS that failed to verify counts 1, a miss on an object id ¼ (another account's
 * object answers as missing, so both weigh the same here). Health probes and /metrics are the
 * load balancer's and monitoring's, and are not limited (the request frame skips them).
 */
import type { Context } from "hono";
import type { DenialRecorder, RateLimiter } from "../../ratelimit/index.js";
import { retryAfterSeconds } from "../../ratelimit/index.js";
import type { AcmeEnv } from "../env.js";
import { AcmeProblem } from "../problem.js";

const MISS_WEIGHT = 0.25;

export interface RequestLimits {
  readonly limiter: RateLimiter;
  readonly recorder: DenialRecorder;
  readonly clock: () => Date;
}

export interface RequestRateLimit {
  /** Before the route: throws the 429 problem when the client's address is over a limit. */
  admit(c: Context<AcmeEnv>): void;
  /** After the route (its response or problem is in `c.res`): weighs what the request revealed. */
  weigh(c: Context<AcmeEnv>): void;
}

export function requestRateLimit(limits: RequestLimits): RequestRateLimit {
  return {
    admit: (c) => {
      const ip = c.get("clientIp");
      const now = limits.clock().getTime();
      const decision = limits.limiter.checkRequest(ip, now);
      if (decision.ok) return;
      limits.recorder.record(decision, now, { sourceIp: ip, requestId: c.get("requestId") });
      throw new AcmeProblem({ type: "rateLimited", status: 429, detail: decision.detail, retryAfterSeconds: retryAfterSeconds(decision.retryAfterMs) });
    },
    weigh: (c) => {
      const weight = c.get("abuseWeight") ?? (c.res.status === 404 && c.req.path.startsWith("/acme/") ? MISS_WEIGHT : 0);
      if (weight > 0) limits.limiter.recordAbuse(c.get("clientIp"), weight, limits.clock().getTime());
    },
  };
}
