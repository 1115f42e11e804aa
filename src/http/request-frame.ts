/**
 * The work every request needs around its route, in one middleware: one async frame and one
 * promise per request instead of one per concern (eight `app.use` layers cost `/healthz` about
 * 12% more server CPU; docs/benchmarks.md, "Third perf pass"). Each concern stays in its own
 * module as a plain function; this file only fixes their order:
 *
 *   1. who is asking: client address and request id (client-ip.ts);
 *   2. which `server.url` the request was addressed to, and the JWS verifier routes use;
 *   3. on ACME paths only: Replay-Nonce and Link set before the route (so problems carry them
 *      too), then the node must be active (standby, lost lease: 503), then the per-address
 *      limits (429) — a refused request never reaches the limiter's abuse weighing;
 *   4. the body-size guard (413), on every path;
 *   5. the route; anything thrown — here or in it — becomes a problem document through the
 *      app's single renderer (Hono's own error path only catches `Error` instances);
 *   6. after it: the abuse weight, the metrics (the status the client got) and the log line.
 */
import type { Context, MiddlewareHandler, Next } from "hono";
import type { Logger } from "pino";
import type { AcmeJwsVerifier } from "../acme/jws/verify-acme-jws.js";
import type { NonceService } from "../acme/nonces/nonce-service.js";
import { httpMetrics } from "../observability/http-metrics.js";
import type { CerteasyMetrics } from "../observability/metrics.js";
import { operationsPaths } from "./acme-paths.js";
import { requestContext, type ClientIpPolicy } from "./client-ip.js";
import type { AcmeEnv } from "./env.js";
import { externalBaseUrlSelector, type ExternalBaseUrl } from "./external-base-url.js";
import { acmeResponseHeaders } from "./middleware/acme-response-headers.js";
import { requireActiveNode } from "./middleware/active-node.js";
import { requestBodyLimit } from "./middleware/body-limit.js";
import { requestRateLimit, type RequestLimits } from "./middleware/rate-limit.js";
import { requestLog } from "./middleware/request-log.js";

/** Renders a thrown value as this request's problem response (the app's single renderer). */
export type ProblemResponder = (c: Context<AcmeEnv>, thrown: unknown) => Response;

export interface RequestFrameDeps {
  readonly externalBaseUrls: readonly ExternalBaseUrl[];
  readonly jws: AcmeJwsVerifier;
  readonly nonces: NonceService;
  readonly maxBodyBytes: number;
  readonly log: Logger;
  readonly clientIp: ClientIpPolicy;
  readonly metrics?: CerteasyMetrics | undefined;
  readonly rateLimits?: RequestLimits | undefined;
  readonly standDown?: (() => Error | undefined) | undefined;
  readonly standingBy?: (() => boolean) | undefined;
  readonly renderProblem: ProblemResponder;
}

export function requestFrame(deps: RequestFrameDeps): MiddlewareHandler<AcmeEnv> {
  const identify = requestContext(deps.clientIp);
  const setAcmeHeaders = acmeResponseHeaders(deps.nonces);
  const requireActive = deps.standDown || deps.standingBy ? requireActiveNode(deps.standDown ?? (() => undefined), deps.standingBy) : undefined;
  const limits = deps.rateLimits ? requestRateLimit(deps.rateLimits) : undefined;
  const bodyGuard = requestBodyLimit(deps.maxBodyBytes);
  const observe = deps.metrics ? httpMetrics(deps.metrics) : undefined;
  const logLine = requestLog(deps.log);
  const selectExternalBaseUrl = externalBaseUrlSelector(deps.externalBaseUrls);

  return async (c: Context<AcmeEnv>, next: Next) => {
    const started = performance.now();
    let limited = false;
    try {
      identify(c);
      c.set("externalBaseUrl", selectExternalBaseUrl(c.req.header("host") ?? hostOf(c.req.url), schemeOf(c.req.url)));
      c.set("acmeJws", deps.jws);
      if (!operationsPaths.has(c.req.path)) {
        setAcmeHeaders(c);
        requireActive?.();
        if (limits) {
          limits.admit(c);
          limited = true;
        }
      }
      const counting = bodyGuard(c);
      await (counting ? counting(c, next) : next());
    } catch (thrown) {
      c.res = deps.renderProblem(c, thrown);
    }
    if (limited) limits?.weigh(c);
    const ms = performance.now() - started;
    observe?.(c, ms / 1000);
    logLine(c, ms);
  };
}

const schemeOf = (url: string): "http" | "https" => (url.startsWith("http:") ? "http" : "https");
const hostOf = (url: string): string => new URL(url).host;
