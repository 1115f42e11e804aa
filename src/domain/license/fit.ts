/**
 * Does a configuration fit a set of limits (behaviour reference §8.3)? The database driver must be
 * allowed and the number of declared authorities must not exceed `max_cas`. Checked when a
 * license is installed and at every boot. Pure.
 */
import type { LicensedDriver, Misfit } from "../../../events/index.js";
import type { Limits } from "./limits.js";

export interface LicensedConfiguration {
  readonly driver: LicensedDriver;
  /** names of the declared authorities (`authorities[].name`) */
  readonly authorities: readonly string[];
}

export function misfits(limits: Limits, config: LicensedConfiguration): Misfit[] {
  const found: Misfit[] = [];
  if (!limits.allowedDbs.includes(config.driver)) {
    found.push({
      reason: "db_not_allowed",
      detail: `database.driver is ${config.driver}, but the ${limits.plan} plan allows ${limits.allowedDbs.join(", ")} only`,
    });
  }
  if (config.authorities.length > limits.maxCas) {
    found.push({
      reason: "max_cas_exceeded",
      detail: `${config.authorities.length} authorities are declared (${config.authorities.join(", ")}), but the ${limits.plan} plan allows ${limits.maxCas}`,
    });
  }
  return found;
}
