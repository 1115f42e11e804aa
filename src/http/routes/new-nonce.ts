/**
 * `newNonce` (RFC 8555 §7.2): HEAD answers 200 and GET 204, both with no body and
 * `Cache-Control: no-store` so no cache hands the same nonce to two clients. The `Replay-Nonce`
 * and `Link: rel="index"` headers come from the middleware every ACME response goes through.
 */
import { Hono } from "hono";
import { acmePaths } from "../acme-paths.js";
import type { AcmeEnv } from "../env.js";

export function newNonceRoutes(): Hono<AcmeEnv> {
  const routes = new Hono<AcmeEnv>();
  // Hono routes HEAD to the GET handler; the raw method tells the two apart.
  // Content-Length: 0 on HEAD: without it Node clients read the response as delimited by the
  // connection close and open a new TLS connection for every nonce.
  routes.get(acmePaths.newNonce, (c) =>
    c.req.method === "HEAD"
      ? c.body(null, 200, { "Cache-Control": "no-store", "Content-Length": "0" })
      : c.body(null, 204, { "Cache-Control": "no-store" }),
  );
  return routes;
}
