/**
 * Which methods a path's resource answers, read from the app's own routes so the answer cannot
 * drift from what is served. A request that names a resource with a method it does not support
 * gets 405 with an `Allow` field (RFC 9110 §15.5.6), not 404: the resource exists. RFC 8555 §6.3
 * is the case clients meet — a plain GET of a resource that is read with POST-as-GET.
 */
import { TrieRouter } from "hono/router/trie-router";

/** A route as Hono lists it in `app.routes`; method "ALL" is middleware, not a resource. */
export interface RouteEntry {
  readonly method: string;
  readonly path: string;
}

/** The methods routes are registered with; HEAD is answered wherever GET is (Hono runs the GET route). */
const ROUTED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** `path` → the methods its resource allows, in `Allow` order; empty when no route names it. */
export function allowedMethodsOf(routes: readonly RouteEntry[]): (path: string) => readonly string[] {
  const router = new TrieRouter<string>();
  for (const route of routes) if (route.method !== "ALL") router.add(route.method, route.path, route.method);
  return (path) => {
    const allowed = ROUTED_METHODS.filter((method) => router.match(method, path)[0].some(([routeMethod]) => routeMethod === method));
    return allowed.includes("GET") ? ["GET", "HEAD", ...allowed.filter((method) => method !== "GET")] : allowed;
  };
}
