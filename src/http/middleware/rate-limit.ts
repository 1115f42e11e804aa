/**
 * The per-address limits of reference §7, before any crypto (`global`, then `abuse`): a refused
 * request costs one bucket lookup. After the request, what it revealed about the client is
 * weighed: a JWS that failed to verify counts 1, a miss on an object id ¼ (another account's
 * object answers as missing, so both weigh the same here). Health probes and /metrics are the
 * load balancer's and monitoring's, and are not limited.
 */
import type { MiddlewareHandler } from "hono";
import type { DenialRecorder, RateLimiter } from "../../ratelimit/index.js";
import { retryAfterSeconds } from "../../ratelimit/index.js";
import { healthPaths, metricsPath } from "../acme-paths.js";
import type { AcmeEnv } from "../env.js";
import { AcmeProblem } from "../problem.js";

const UNLIMITED: ReadonlySet<string> = new Set([...Object.values(healthPaths), metricsPath]);
const MISS_WEIGHT = 0.25;

export interface RequestLimits {
  readonly limiter: RateLimiter;
  readonly recorder: DenialRecorder;
  readonly clock: () => Date;
}

export function requestRateLimit(limits: RequestLimits): MiddlewareHandler<AcmeEnv> {
  return async (c, next) => {
    if (UNLIMITED.has(c.req.path)) return next();
    const ip = c.var.clientIp;
    const now = limits.clock().getTime();
    const decision = limits.limiter.checkRequest(ip, now);
    if (!decision.ok) {
      limits.recorder.record(decision, now, { sourceIp: ip, requestId: c.var.requestId });
      throw new AcmeProblem({ type: "rateLimited", status: 429, detail: decision.detail, retryAfterSeconds: retryAfterSeconds(decision.retryAfterMs) });
    }
    try {
      await next();
    } finally {
      const weight = c.var.abuseWeight ?? (c.res.status === 404 && c.req.path.startsWith("/acme/") ? MISS_WEIGHT : 0);
      if (weight > 0) limits.limiter.recordAbuse(ip, weight, limits.clock().getTime());
    }
  };
}
