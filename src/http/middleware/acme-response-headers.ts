/**
 * The headers every ACME response carries, errors and 404s included:
 * - `Replay-Nonce` (RFC 8555 §6.5: the server MUST send one on every successful POST response
 *   and SHOULD on errors; DESIGN §5 makes it every response), so a client always holds a nonce;
 * - `Link: <directory>;rel="index"` (RFC 8555 §7.1), built from the configured external base URL.
 *
 * They are set BEFORE the route runs: Hono merges prepared headers into the handler's response
 * without copying it, whereas setting them afterwards rebuilds every response (a 3× throughput
 * loss, dependencies §2). A problem response is a fresh `Response` that drops prepared headers, so
 * the problem renderer takes the same values from `acmeProblemHeaders(c)`. The operations paths
 * (probes, `/metrics`) never get them: the request frame only calls this for ACME paths.
 */
import type { Context } from "hono";
import type { NonceService } from "../../acme/nonces/nonce-service.js";
import { acmePaths } from "../acme-paths.js";
import type { AcmeEnv } from "../env.js";

export function acmeResponseHeaders(nonces: NonceService): (c: Context<AcmeEnv>) => void {
  return (c) => {
    const headers = {
      "Replay-Nonce": nonces.issue(),
      Link: `<${c.get("externalBaseUrl").base}${acmePaths.directory}>;rel="index"`,
    };
    c.set("acmeResponseHeaders", headers);
    c.header("Replay-Nonce", headers["Replay-Nonce"]);
    c.header("Link", headers.Link);
  };
}

/** The `extraHeaders` for a problem response to this request (same nonce, never a second one). */
export function acmeProblemHeaders(c: Context<AcmeEnv>): Readonly<Record<string, string>> {
  return c.get("acmeResponseHeaders") ?? {};
}
