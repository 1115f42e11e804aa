export { bootRefusedCommand, checkLicenseAtBoot, licensedConfiguration, type LicenseBootCheck } from "./boot-gate.js";
export { entitlementOf, licenseClaimsSchema, type LicenseClaims } from "./claims.js";
export { LicenseDenialRecorder, type LicenseDenial } from "./denial-recorder.js";
export { LICENSE_BLOCK_LABEL, licenseFileText, licenseTokenOf } from "./license-file.js";
export {
  LicenseRejectedError,
  LicenseService,
  type InstallLicenseRequest,
  type InstalledLicenseSummary,
  type LicenseRejectionReason,
  type LicenseRequestMeta,
  type LicenseServiceDeps,
} from "./license-service.js";
export { licenseStatus, type LicenseStatus } from "./license-status.js";
export { licenseGate, type LicenseGate, type LicenseGateDeps } from "./new-order-gate.js";
export { LicenseKeyError, loadTrustedKeys, type TrustedKey } from "./trusted-keys.js";
export { VENDOR_LICENSE_PUBLIC_KEY_PEM } from "./vendor-key.js";
export { verifyLicenseText, verifyLicenseToken, type LicenseVerdict } from "./verify-license.js";
export { startNodeLicensing, type NodeLicensing, type NodeLicensingOptions } from "./node-licensing.js";
