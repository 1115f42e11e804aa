/**
 * What `certeasy license install|show` asks of the node. Two implementations, one behaviour, as
 * for the EAB keys (eab-admin.ts): the running server's LicenseService over the admin channel,
 * or a LicenseService on a node core the CLI boots itself when no server runs.
 */
import type { InstalledLicenseSummary, InstallLicenseRequest, LicenseRequestMeta, LicenseStatus } from "../license/index.js";

export interface LicenseAdmin {
  install(request: InstallLicenseRequest, meta?: LicenseRequestMeta): Promise<InstalledLicenseSummary>;
  status(): LicenseStatus | Promise<LicenseStatus>;
}
