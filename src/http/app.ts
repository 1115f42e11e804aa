/**
 * The Certeasy HTTP application: ACME directory, newNonce, health probes, and the cross-cutting
 * pieces every route relies on (request log, external base URL, Replay-Nonce and index Link,
 * body-size guard, request authentication, problem documents). The ACME resource routes are
 * mounted on the returned app by later layers; they authenticate with `verifyAcmeRequest(c)`.
 */
import { Hono, type Context } from "hono";
import type { Logger } from "pino";
import type { AccountService } from "../acme/accounts/account-service.js";
import { storedAccountJwkReader } from "../acme/jws/stored-account-jwk.js";
import { AcmeJwsVerifier, type AccountKeyResolver } from "../acme/jws/verify-acme-jws.js";
import type { NonceService } from "../acme/nonces/nonce-service.js";
import type { CerteasyMetrics } from "../observability/metrics.js";
import { metricsRoutes } from "../observability/metrics-route.js";
import type { AcmeEnv } from "./env.js";
import { accountIdFromUrl } from "./acme-paths.js";
import { allowedMethodsOf } from "./allowed-methods.js";
import type { ClientIpPolicy } from "./client-ip.js";
import { parseExternalBaseUrls, type ExternalBaseUrl } from "./external-base-url.js";
import { acmeProblemHeaders } from "./middleware/acme-response-headers.js";
import type { RequestLimits } from "./middleware/rate-limit.js";
import { requestFrame } from "./request-frame.js";
import { AcmeProblem, renderProblem } from "./problem.js";
import { authorizationRoutes } from "./routes/authorizations.js";
import { certificateRoutes } from "./routes/certificates.js";
import { directoryRoutes, NO_DIRECTORY_META, type DirectoryMeta } from "./routes/directory.js";
import type { OrderRoutesDeps } from "./routes/order-deps.js";
import { orderRoutes } from "./routes/orders.js";
import { accountRoutes } from "./routes/accounts.js";
import { healthRoutes, type Readiness } from "./routes/health.js";
import { newNonceRoutes } from "./routes/new-nonce.js";

export interface AcmeAppDeps {
  /** `server.url`: the public URLs clients use; every advertised link is built from one of them. */
  readonly serverUrls: readonly string[];
  /** `server.max-body-bytes`. */
  readonly maxBodyBytes: number;
  readonly readiness: Readiness;
  readonly log: Logger;
  /** The node's nonces (one per process: DESIGN §5), issued on every ACME response. */
  readonly nonces: NonceService;
  /** The account resources (RFC 8555 §7.3); without them no `kid` resolves. */
  readonly accounts?: AccountService;
  /** The process's metrics: when given, every request is counted and `GET /metrics` is served. */
  readonly metrics?: CerteasyMetrics;
  /** `server.remote-ip-header` and `server.trusted-proxies`; default: the socket's peer only. */
  readonly clientIp?: ClientIpPolicy;
  /** Orders, authorizations, challenges, certificates, ARI and CRLs (RFC 8555 §7.4–7.6, RFC 9773). */
  readonly orders?: OrderRoutesDeps;
  /** The directory's `meta` (RFC 8555 §7.1.1); default: nothing advertised, no EAB required. */
  readonly directoryMeta?: DirectoryMeta;
  /** Per-address limits (reference §7); without them nothing is limited. */
  readonly rateLimits?: RequestLimits;
  /**
   * Why this node no longer serves ACME (it lost the writer lease), or undefined while it does;
   * when it says so, every ACME request is answered 503 (health probes and metrics still are).
   */
  readonly standDown?: () => Error | undefined;
  /** true while this node is a warm standby: every ACME request is answered 503 (probes and metrics are served) */
  readonly standingBy?: () => boolean;
  /** Overrides the account-key lookup (tests of request authentication). */
  readonly resolveAccountKey?: AccountKeyResolver;
}

const noAccounts: AccountKeyResolver = async () => null;

/**
 * `kid` → the account's stored public key. A kid is an account URL under one of the configured
 * base URLs; a deactivated account's key authorises nothing more (RFC 8555 §7.3.6).
 */
function accountKeyResolver(accounts: AccountService, bases: readonly ExternalBaseUrl[]): AccountKeyResolver {
  const readJwk = storedAccountJwkReader();
  return async (kid) => {
    const accountId = bases.map((b) => accountIdFromUrl(kid, b.base)).find((id) => id !== null);
    if (!accountId) return null;
    const row = await accounts.findById(accountId);
    if (!row) return null;
    if (row.status === "deactivated") throw new AcmeProblem({ type: "unauthorized", status: 403, detail: "The account is deactivated." });
    return readJwk(row.jwk);
  };
}

export function createAcmeApp(deps: AcmeAppDeps): Hono<AcmeEnv> {
  const externalBaseUrls = parseExternalBaseUrls(deps.serverUrls);
  const resolveAccountKey =
    deps.resolveAccountKey ?? (deps.accounts ? accountKeyResolver(deps.accounts, externalBaseUrls) : noAccounts);
  const jws = new AcmeJwsVerifier({ nonces: deps.nonces, resolveAccountKey });
  const renderFor = (c: Context<AcmeEnv>, error: unknown): Response =>
    renderProblem(error, { log: deps.log, extraHeaders: acmeProblemHeaders(c) });
  const app = new Hono<AcmeEnv>();

  // Everything cross-cutting (client address, base URL, nonce and Link headers, standby 503,
  // rate limits, body limit, problem rendering, metrics, request log) runs in this one frame.
  app.use(
    requestFrame({
      externalBaseUrls,
      jws,
      nonces: deps.nonces,
      maxBodyBytes: deps.maxBodyBytes,
      log: deps.log,
      clientIp: deps.clientIp ?? { remoteIpHeader: null, trustedProxies: [] },
      metrics: deps.metrics,
      rateLimits: deps.rateLimits,
      standDown: deps.standDown,
      standingBy: deps.standingBy,
      renderProblem: renderFor,
    }),
  );

  app.route("/", directoryRoutes(deps.directoryMeta ?? NO_DIRECTORY_META));
  app.route("/", newNonceRoutes());
  app.route("/", healthRoutes(deps.readiness, deps.log));
  if (deps.metrics) app.route("/", metricsRoutes(deps.metrics));
  if (deps.accounts) app.route("/", accountRoutes(deps.accounts));
  if (deps.orders) {
    app.route("/", orderRoutes(deps.orders));
    app.route("/", authorizationRoutes(deps.orders));
    app.route("/", certificateRoutes(deps.orders));
  }

  // A known resource asked with a method it does not answer gets 405 and Allow (RFC 9110
  // §15.5.6); RFC 8555 §6.3's case, a plain GET of a POST-as-GET resource, says so. The table
  // is built at the first miss: every route is registered before the app serves a request.
  let allowedMethods: ((path: string) => readonly string[]) | undefined;
  app.notFound((c) => {
    allowedMethods ??= allowedMethodsOf(app.routes);
    const allowed = allowedMethods(c.req.path);
    if (allowed.length === 0) {
      return renderFor(c, new AcmeProblem({ type: "malformed", status: 404, detail: `No resource at ${c.req.method} ${c.req.path}.` }));
    }
    const detail =
      c.req.method === "GET" && allowed.includes("POST")
        ? "ACME resources are read with POST-as-GET (RFC 8555 §6.3), not GET."
        : `${c.req.method} is not allowed on ${c.req.path}; it answers ${allowed.join(", ")}.`;
    const refused = renderFor(c, new AcmeProblem({ type: "malformed", status: 405, detail }));
    refused.headers.set("Allow", allowed.join(", "));
    return refused;
  });
  app.onError((err, c) => renderFor(c, err));
  return app;
}
