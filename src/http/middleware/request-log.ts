/** One log line per request: method, path, status, duration, client address and request id. */
import type { Context, MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import type { AcmeEnv } from "../env.js";

/** Renders a thrown value as this request's problem response (the app's single renderer). */
export type ProblemResponder = (c: Context<AcmeEnv>, thrown: unknown) => Response;

export function requestLog(log: Logger, renderProblemFor: ProblemResponder): MiddlewareHandler<AcmeEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } catch (thrown) {
      // Hono's own error path only catches `Error` instances; anything else thrown lands here
      // and still becomes a problem document instead of the adapter's plain-text 500.
      c.res = renderProblemFor(c, thrown);
    }
    const ms = Math.round((performance.now() - started) * 10) / 10;
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms, clientIp: c.var.clientIp, requestId: c.var.requestId }, "request");
  };
}
