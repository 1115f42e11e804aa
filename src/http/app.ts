/**
 * The Certeasy HTTP application: ACME directory, health probes, and the cross-cutting pieces
 * every route relies on (request log, external base URL, body-size guard, problem documents).
 * The ACME resource routes are mounted on the returned app by later layers.
 */
import { Hono } from "hono";
import type { Logger } from "pino";
import type { AcmeEnv } from "./env.js";
import { parseExternalBaseUrls, selectExternalBaseUrl } from "./external-base-url.js";
import { requestBodyLimit } from "./middleware/body-limit.js";
import { requestLog } from "./middleware/request-log.js";
import { AcmeProblem, renderProblem } from "./problem.js";
import { directoryRoutes } from "./routes/directory.js";
import { healthRoutes, type Readiness } from "./routes/health.js";

export interface AcmeAppDeps {
  /** `server.url`: the public URLs clients use; every advertised link is built from one of them. */
  readonly serverUrls: readonly string[];
  /** `server.max-body-bytes`. */
  readonly maxBodyBytes: number;
  readonly readiness: Readiness;
  readonly log: Logger;
  /** Extra headers for every problem response (the hook for `Replay-Nonce`, RFC 8555 §6.5). */
  readonly problemHeaders?: () => Readonly<Record<string, string>>;
}

const noExtraHeaders = (): Readonly<Record<string, string>> => ({});

export function createAcmeApp(deps: AcmeAppDeps): Hono<AcmeEnv> {
  const externalBaseUrls = parseExternalBaseUrls(deps.serverUrls);
  const problemHeaders = deps.problemHeaders ?? noExtraHeaders;
  const app = new Hono<AcmeEnv>();

  app.use(requestLog(deps.log, problemHeaders));
  app.use(async (c, next) => {
    const requestUrl = new URL(c.req.url);
    const scheme = requestUrl.protocol === "http:" ? "http" : "https";
    const hostHeader = c.req.header("host") ?? requestUrl.host;
    c.set("externalBaseUrl", selectExternalBaseUrl(externalBaseUrls, hostHeader, scheme));
    await next();
  });
  app.use(requestBodyLimit(deps.maxBodyBytes));

  app.route("/", directoryRoutes());
  app.route("/", healthRoutes(deps.readiness, deps.log));

  app.notFound((c) =>
    renderProblem(
      new AcmeProblem({ type: "malformed", status: 404, detail: `No resource at ${c.req.method} ${c.req.path}.` }),
      { log: deps.log, extraHeaders: problemHeaders() },
    ),
  );
  app.onError((err) => renderProblem(err, { log: deps.log, extraHeaders: problemHeaders() }));
  return app;
}
