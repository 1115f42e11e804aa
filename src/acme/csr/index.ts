/**
 * Strict PKCS#10 CSR checking for finalize (RFC 8555 §7.4). Pure: bytes in, a decision out.
 */
export { checkCsr, type CheckedCsr, type CsrCheck } from "./check-csr.js";
export type { CsrIdentifier } from "./identifiers.js";
export { DEFAULT_CSR_POLICY, type CsrPolicy } from "./policy.js";
