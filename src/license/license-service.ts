/**
 * `license install` and `license show` on a node core (behaviour reference §5, §8): verify the
 * file, check it fits the configuration, and append `license.installed` — or append
 * `license.install-rejected` and throw. The same service runs inside the server (reached over the
 * admin channel) and on a node core the CLI boots itself when no server runs, so a license
 * installed while the server runs takes effect at once: the license projection folds the event.
 */
import { LicenseInstalled, LicenseInstallRejected, licenseStreamId, type Misfit } from "../../events/index.js";
import type { LicenseState } from "../../projections/index.js";
import { limitsOf, misfits, type LicensedConfiguration } from "../domain/license/index.js";
import type { AppendCommand } from "../store/dialect.js";
import type { EventWriter } from "../store/writer.js";
import { licenseStatus, type LicenseStatus } from "./license-status.js";
import type { TrustedKey } from "./trusted-keys.js";
import { verifyLicenseText } from "./verify-license.js";

export type LicenseRequestMeta = AppendCommand["meta"];

export interface InstallLicenseRequest {
  /** the license file's text */
  readonly text: string;
  /** install even though the configuration does not fit (the next boot is then refused until it does) */
  readonly force: boolean;
}

export interface InstalledLicenseSummary {
  readonly status: LicenseStatus;
  /** which trusted key signed it */
  readonly signedBy: string;
  /** how the configuration does not fit (only with force) */
  readonly misfits: readonly Misfit[];
}

export type LicenseRejectionReason = Parameters<typeof LicenseInstallRejected.create>[0]["reason"];

/** A refused install; the message is written for the operator. */
export class LicenseRejectedError extends Error {
  override readonly name = "LicenseRejectedError";
  constructor(
    readonly reason: LicenseRejectionReason,
    message: string,
  ) {
    super(message);
  }
}

export interface LicenseServiceDeps {
  readonly writer: Pick<EventWriter, "append">;
  /** the license projection's current state */
  readonly state: () => LicenseState;
  readonly keys: readonly TrustedKey[];
  readonly config: LicensedConfiguration;
  readonly clock: () => Date;
}

export class LicenseService {
  constructor(private readonly deps: LicenseServiceDeps) {}

  async install(request: InstallLicenseRequest, meta: LicenseRequestMeta = {}): Promise<InstalledLicenseSummary> {
    const { writer, keys, config, clock } = this.deps;
    const verdict = await verifyLicenseText(request.text, keys, clock());
    if (!verdict.ok) return this.#reject(verdict.reason, verdict.detail, verdict.licenseId, meta);
    const found = misfits(limitsOf(verdict.entitlement), config);
    if (found.length > 0 && !request.force) {
      const first = found[0] as Misfit;
      const detail = `license ${verdict.entitlement.licenseId} does not fit this configuration: ${found.map((m) => m.detail).join("; ")} (--force installs it anyway; the server then refuses to boot until the configuration fits)`;
      return this.#reject(first.reason, detail, verdict.entitlement.licenseId, meta);
    }
    await writer.append({
      streamId: licenseStreamId,
      expectedVersion: "any",
      events: [LicenseInstalled.create({ token: verdict.token, entitlement: verdict.entitlement, misfits: found })],
      meta,
    });
    return { status: this.status(), signedBy: verdict.signedBy, misfits: found };
  }

  status(): LicenseStatus {
    return licenseStatus(this.deps.state(), this.deps.config, this.deps.clock());
  }

  async #reject(reason: LicenseRejectionReason, detail: string, licenseId: string | null, meta: LicenseRequestMeta): Promise<never> {
    // The refusal is on the record before the operator hears of it (reference §8.3 `license.install_rejected`).
    await this.deps.writer.append({
      streamId: licenseStreamId,
      expectedVersion: "any",
      events: [LicenseInstallRejected.create({ reason, detail: detail.slice(0, 1024), licenseId })],
      meta,
    });
    throw new LicenseRejectedError(reason, detail);
  }
}
