/**
 * Counts and times every HTTP request by the route pattern it matched. The request frame calls
 * it last, so the status it records is the one the client received, problem documents included.
 */
import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import type { AcmeEnv } from "../http/env.js";
import type { CerteasyMetrics } from "./metrics.js";

export const UNMATCHED_ROUTE = "unmatched";

/** Hono registers `app.use` middleware under the method "ALL"; routes under their own method. */
const MIDDLEWARE_METHOD = "ALL";

const KNOWN_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);

/**
 * The pattern of the route that matched (`/acme/acct/:accountId`), or `unmatched`. Patterns,
 * not paths: a raw path would add one time series per account and per scanner probe.
 */
export function routeLabel(matched: readonly { readonly method: string; readonly path: string }[]): string {
  const route = matched.findLast((r) => r.method !== MIDDLEWARE_METHOD);
  return route?.path ?? UNMATCHED_ROUTE;
}

/** A client may send any token as method; only the usual ones get a series of their own. */
export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : "other";
}

export function httpMetrics(metrics: CerteasyMetrics): (c: Context<AcmeEnv>, seconds: number) => void {
  return (c, seconds) => {
    metrics.observeHttpRequest({ route: routeLabel(matchedRoutes(c)), method: methodLabel(c.req.method), status: c.res.status }, seconds);
  };
}
