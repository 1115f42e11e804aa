export { decideBoot, type BootFacts, type BootVerdict } from "./boot.js";
export { misfits, type LicensedConfiguration } from "./fit.js";
export { BOOT_GRACE_MS, FREE_LIMITS, formatMaxManagedServers, licenseStanding, limitsOf, type InstalledEntitlement, type LicenseStanding, type Limits } from "./limits.js";
export { checkManagedServers, type ManagedServersVerdict, type ManagedServersView } from "./new-order.js";
