/**
 * A node that has lost the writer lease (DESIGN §2 invariant 8) stops serving ACME: another
 * node is active, and this one can neither record anything nor trust what it has in memory
 * (nonces, rate limits, work queues). Every ACME request is answered 503 `serverInternal` with
 * Retry-After, so clients retry and a load balancer — which sees `/readyz` fail too — routes
 * them to the active node. The probes and metrics stay up so operators can see why.
 */
import type { MiddlewareHandler } from "hono";
import { healthPaths, metricsPath } from "../acme-paths.js";
import type { AcmeEnv } from "../env.js";
import { standingByProblem, stoodDownProblem } from "../problem.js";

const alwaysServed: ReadonlySet<string> = new Set([healthPaths.liveness, healthPaths.readiness, metricsPath]);

/**
 * `standDown()` returns why the node no longer serves ACME, or undefined while it does;
 * `standingBy()` is true while a warm standby has not taken over yet.
 */
export function requireActiveNode(standDown: () => Error | undefined, standingBy: () => boolean = () => false): MiddlewareHandler<AcmeEnv> {
  return async (c, next) => {
    if (alwaysServed.has(c.req.path)) return next();
    if (standingBy()) throw standingByProblem();
    if (standDown() !== undefined) throw stoodDownProblem();
    await next();
  };
}
