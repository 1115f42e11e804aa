/**
 * The licensing state of a node, folded from the log (issue 5): the license installed last and
 * the managed servers counted from certificate issuances and revocations. Hydrated at boot and
 * then fed `committed$` like the rate-limit ledger, so a restart or a failover counts the same
 * servers, and a license installed while the server runs takes effect with its event.
 *
 * `evolve` is deterministic in (state, event). The projection's `initial` is never written to:
 * the first relevant event starts a fresh ManagedServers, so each fold owns its own.
 */
import {
  CertificateIssued,
  CertificateRevoked,
  decodeEvent,
  LicenseInstalled,
  type Entitlement,
  type Misfit,
  type StoredEvent,
} from "../../../events/index.js";
import type { MemoryProjection } from "../memory-projection.js";
import { ManagedServers } from "./managed-servers.js";

export interface InstalledLicense {
  readonly entitlement: Entitlement;
  /** the signed token, verified again at every boot against the keys then configured */
  readonly token: string;
  /** non-empty when it was installed with --force over a configuration it does not fit */
  readonly misfits: readonly Misfit[];
  readonly installedAt: string;
}

export interface LicenseState {
  readonly installed: InstalledLicense | null;
  readonly servers: ManagedServers;
}

const RELEVANT = new Set<string>([LicenseInstalled.type, CertificateIssued.type, CertificateRevoked.type]);

export function licenseProjection(): MemoryProjection<LicenseState> {
  const initial: LicenseState = { installed: null, servers: new ManagedServers() };
  return {
    name: "license",
    initial,
    evolve(state, stored) {
      if (!RELEVANT.has(stored.type)) return state;
      const current = state === initial ? { installed: null, servers: new ManagedServers() } : state;
      return apply(current, stored);
    },
  };
}

function apply(state: LicenseState, stored: StoredEvent): LicenseState {
  const event = decodeEvent(stored);
  switch (event.type) {
    case "license.installed": {
      const { entitlement, token, misfits } = event.data;
      return { ...state, installed: { entitlement, token, misfits, installedAt: stored.at } };
    }
    case "acme.certificate.issued":
      state.servers.issued(event.data.accountId, event.data.certificateId, Date.parse(event.data.notAfter), Date.parse(stored.at));
      return state;
    case "acme.certificate.revoked":
      state.servers.revoked(event.data.certificateId);
      return state;
    default:
      return state;
  }
}
