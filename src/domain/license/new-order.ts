/**
 * The managed-server check at newOrder (behaviour reference §8.3). An account that already holds
 * an active certificate is a managed server already: its orders never add to the count, so they
 * pass whatever the count — renewals included, since a renewal is by definition an order from an
 * account holding an active certificate for those names. Any other account would become one more
 * managed server once its certificate is issued, and is refused when that would exceed the limit.
 * Pure: the projection's answers come in as values.
 */
import type { LicenseDenied } from "../../../events/index.js";
import type { Limits } from "./limits.js";

export interface ManagedServersView {
  readonly accountIsManaged: boolean;
  /** managed servers now, counted up to the limit at least */
  readonly managedServers: number;
}

export type ManagedServersVerdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: Parameters<typeof LicenseDenied.create>[0]["reason"];
      readonly maxManagedServers: number;
      readonly detail: string;
    };

const OK: ManagedServersVerdict = { ok: true };

export function checkManagedServers(limits: Limits, view: ManagedServersView): ManagedServersVerdict {
  const max = limits.maxManagedServers;
  if (max === null || view.accountIsManaged) return OK;
  if (max === 0) {
    return {
      ok: false,
      reason: "max_managed_servers_zero",
      maxManagedServers: 0,
      detail: `The server's ${limits.plan} license allows no managed servers: no new account can be issued certificates. Ask the server's operator.`,
    };
  }
  if (view.managedServers + 1 <= max) return OK;
  return {
    ok: false,
    reason: "managed_servers_exceeded",
    maxManagedServers: max,
    detail:
      `The server's ${limits.plan} license allows ${max} managed servers (accounts holding an active certificate) and all are in use: ` +
      "this account holds none, so it cannot start one. Renewals by accounts already holding a certificate are still accepted. Ask the server's operator.",
  };
}
