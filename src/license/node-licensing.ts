/**
 * Licensing on a running node, assembled the same way by `serve` and the in-process test server:
 * the boot check over the hydrated license projection, the install/show service, the newOrder
 * gate with its denial recorder, and the scrape-time sources of the license metrics.
 */
import type { Logger } from "pino";
import type { LicenseState, MemoryProjection } from "../../projections/index.js";
import { licenseStanding, type LicensedConfiguration } from "../domain/license/index.js";
import type { NodeCore } from "../node/open-node.js";
import { checkLicenseAtBoot, type LicenseBootCheck } from "./boot-gate.js";
import { LicenseDenialRecorder } from "./denial-recorder.js";
import { LicenseService } from "./license-service.js";
import { licenseGate, type LicenseGate } from "./new-order-gate.js";
import type { TrustedKey } from "./trusted-keys.js";

export interface NodeLicensing {
  readonly boot: LicenseBootCheck;
  readonly service: LicenseService;
  readonly gate: LicenseGate;
  readonly managedServers: () => number;
  readonly maxManagedServers: () => number | null;
}

export interface NodeLicensingOptions {
  readonly core: Pick<NodeCore, "writer" | "live" | "clock" | "serverId">;
  /** the license projection the core was opened with */
  readonly projection: MemoryProjection<LicenseState>;
  readonly keys: readonly TrustedKey[];
  readonly config: LicensedConfiguration;
  readonly log: Logger;
  readonly onDenied?: (reason: string) => void;
}

export async function startNodeLicensing(options: NodeLicensingOptions): Promise<NodeLicensing> {
  const { core, projection, keys, config } = options;
  const state = (): LicenseState => core.live.state(projection);
  const boot = await checkLicenseAtBoot({ state: state(), keys, config, now: core.clock(), serverId: core.serverId });
  return {
    boot,
    service: new LicenseService({ writer: core.writer, state, keys, config, clock: core.clock }),
    gate: licenseGate({
      state,
      recorder: new LicenseDenialRecorder(core.writer, options.log),
      clock: core.clock,
      ...(options.onDenied ? { onDenied: options.onDenied } : {}),
    }),
    managedServers: () => state().servers.count(core.clock().getTime()),
    maxManagedServers: () => licenseStanding(state().installed, core.clock()).limits.maxManagedServers,
  };
}
