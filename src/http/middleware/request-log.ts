/** One log line per request: method, path, status and duration. */
import type { MiddlewareHandler } from "hono";
import type { Logger } from "pino";
import type { AcmeEnv } from "../env.js";
import { renderProblem } from "../problem.js";

export function requestLog(log: Logger, problemHeaders: () => Readonly<Record<string, string>>): MiddlewareHandler<AcmeEnv> {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } catch (thrown) {
      // Hono's own error path only catches `Error` instances; anything else thrown lands here
      // and still becomes a problem document instead of the adapter's plain-text 500.
      c.res = renderProblem(thrown, { log, extraHeaders: problemHeaders() });
    }
    const ms = Math.round((performance.now() - started) * 10) / 10;
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms }, "request");
  };
}
