/**
 * Which authority finalizes an order (reference §3.3 `policy-bindings`): the order's pinned
 * issuance policy names its authorities; those whose own key rules refuse the CSR are skipped
 * (routing by key type: an EC template and an RSA template are two authorities), so are the
 * unhealthy ones; then `first_available` keeps declaration order (failover) and `round_robin`
 * rotates the start. Pure: health and the CSR verdicts come in as functions.
 */

export type BindingStrategy = "first_available" | "round_robin";

export interface PolicyBinding {
  readonly policy: string;
  /** authority names, in declaration order */
  readonly authorities: readonly string[];
  readonly strategy: BindingStrategy;
}

export interface RoutingInput {
  readonly binding: PolicyBinding;
  /** false when the authority's own policies refuse this CSR (key type, size, EKU) */
  readonly accepts: (authority: string) => boolean;
  /** the last health probe; unknown authorities count as healthy until probed */
  readonly healthy: (authority: string) => boolean;
  /** a counter the caller increments per routed order (round robin) */
  readonly turn: number;
}

export type Routing =
  | { readonly ok: true; readonly candidates: readonly string[] }
  /** every authority of the binding refuses this CSR */
  | { readonly ok: false; readonly reason: "csr-refused" };

/**
 * The authorities to try, best first. An unhealthy authority is a last resort rather than
 * dropped: health probes can be stale, and a request that may succeed beats a certain refusal.
 */
export function routeOrder(input: RoutingInput): Routing {
  const accepting = input.binding.authorities.filter((name) => input.accepts(name));
  if (accepting.length === 0) return { ok: false, reason: "csr-refused" };
  const ordered = input.binding.strategy === "round_robin" ? rotate(accepting, input.turn) : accepting;
  const healthy = ordered.filter((name) => input.healthy(name));
  const unhealthy = ordered.filter((name) => !input.healthy(name));
  return { ok: true, candidates: [...healthy, ...unhealthy] };
}

function rotate<T>(items: readonly T[], turn: number): T[] {
  const start = ((turn % items.length) + items.length) % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}
