export { licenseProjection, type InstalledLicense, type LicenseState } from "./license-projection.js";
export { ManagedServers } from "./managed-servers.js";
