/**
 * The license's say at newOrder (behaviour reference §8.3): the pure managed-server check over
 * the license projection, and the I/O around a refusal — the `license.denied` record and the
 * metric. Answers 403 `unauthorized` (reference §2.7: "License refusal of a new order: 403").
 */
import type { LicenseState } from "../../projections/index.js";
import type { DomainError } from "../domain/domain-error.js";
import { checkManagedServers, licenseStanding } from "../domain/license/index.js";
import type { AppendCommand } from "../store/dialect.js";
import type { LicenseDenialRecorder } from "./denial-recorder.js";

export interface LicenseGateDeps {
  readonly state: () => LicenseState;
  readonly recorder: Pick<LicenseDenialRecorder, "record">;
  readonly clock: () => Date;
  /** called on every refusal, recorded or not (metrics) */
  readonly onDenied?: (reason: string) => void;
}

export type LicenseGate = (accountId: string, meta?: AppendCommand["meta"]) => DomainError | null;

export function licenseGate(deps: LicenseGateDeps): LicenseGate {
  return (accountId, meta) => {
    const now = deps.clock();
    const { installed, servers } = deps.state();
    const standing = licenseStanding(installed, now);
    const { limits } = standing;
    const at = now.getTime();
    const max = limits.maxManagedServers;
    const accountIsManaged = servers.isManaged(accountId, at);
    // Counting stops at the limit: that is all the check needs to know.
    const managedServers = max === null || accountIsManaged ? 0 : servers.count(at, max);
    const verdict = checkManagedServers(limits, { accountIsManaged, managedServers });
    if (verdict.ok) return null;
    deps.onDenied?.(verdict.reason);
    // The Free plan's limits apply without a license and once one lapsed: no license to name.
    const licenseId = standing.kind === "valid" || standing.kind === "grace" ? standing.license.entitlement.licenseId : null;
    deps.recorder.record({ reason: verdict.reason, accountId, managedServers, maxManagedServers: verdict.maxManagedServers, licenseId }, at, meta);
    return { type: "unauthorized", detail: verdict.detail };
  };
}
