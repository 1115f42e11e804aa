/**
 * The headers every ACME response carries, errors and 404s included:
 * - `Replay-Nonce` (RFC 8555 §6.5: the server MUST send one on every successful POST response
 *   and SHOULD on errors; DESIGN §5 makes it every response), so a client always holds a nonce;
 * - `Link: <directory>;rel="index"` (RFC 8555 §7.1), built from the configured external base URL.
 *
 * They are set BEFORE `await next()`: Hono merges prepared headers into the handler's response
 * without copying it, whereas setting them afterwards rebuilds every response (a 3× throughput
 * loss, dependencies §2). A problem response is a fresh `Response` that drops prepared headers, so
 * the problem renderer takes the same values from `acmeProblemHeaders(c)`. The health probes and
 * `/metrics` are for load balancers and monitoring, not ACME clients: they neither spend nor
 * carry nonces.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { NonceService } from "../../acme/nonces/nonce-service.js";
import { acmePaths, healthPaths, metricsPath } from "../acme-paths.js";
import type { AcmeEnv } from "../env.js";

const HEALTH_PATHS: ReadonlySet<string> = new Set([...Object.values(healthPaths), metricsPath]);

export function acmeResponseHeaders(nonces: NonceService): MiddlewareHandler<AcmeEnv> {
  return async (c, next) => {
    if (!HEALTH_PATHS.has(c.req.path)) {
      const headers = {
        "Replay-Nonce": nonces.issue(),
        Link: `<${c.var.externalBaseUrl.base}${acmePaths.directory}>;rel="index"`,
      };
      c.set("acmeResponseHeaders", headers);
      c.header("Replay-Nonce", headers["Replay-Nonce"]);
      c.header("Link", headers.Link);
    }
    await next();
  };
}

/** The `extraHeaders` for a problem response to this request (same nonce, never a second one). */
export function acmeProblemHeaders(c: Context<AcmeEnv>): Readonly<Record<string, string>> {
  return c.var.acmeResponseHeaders ?? {};
}
