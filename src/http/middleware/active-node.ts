/**
 * A node that has lost the writer lease (DESIGN §2 invariant 8) stops serving ACME: another
 * node is active, and this one can neither record anything nor trust what it has in memory
 * (nonces, rate limits, work queues). Every ACME request is answered 503 `serverInternal` with
 * Retry-After, so clients retry and a load balancer — which sees `/readyz` fail too — routes
 * them to the active node. The probes and metrics stay up so operators can see why: the request
 * frame only asks this for ACME paths.
 */
import { standingByProblem, stoodDownProblem } from "../problem.js";

/**
 * `standDown()` returns why the node no longer serves ACME, or undefined while it does;
 * `standingBy()` is true while a warm standby has not taken over yet. The returned check throws
 * the 503 problem when the node must not serve.
 */
export function requireActiveNode(standDown: () => Error | undefined, standingBy: () => boolean = () => false): () => void {
  return () => {
    if (standingBy()) throw standingByProblem();
    if (standDown() !== undefined) throw stoodDownProblem();
  };
}
