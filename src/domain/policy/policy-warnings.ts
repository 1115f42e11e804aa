/**
 * What a loaded issuance policy says that cannot take effect, or that weakens a protection
 * (behaviour reference §3.4 "entries that cannot take effect are reported at startup and by
 * validate", §13.1 ESC2). One line per finding, for the startup warnings. Pure.
 *
 * Curves and hashes: Certeasy's CSR check does not tie the ECDSA hash to the curve (certbot signs
 * P-384 CSRs with SHA-256; see src/acme/csr/signature.ts), so a curve takes effect as soon as any
 * ECDSA algorithm is allowed. Only a curve list with no ECDSA algorithm at all is dead.
 */
import { DEFAULT_CSR_POLICY } from "../../acme/csr/policy.js";
import { cancelledAllowRules } from "./cancelled-rules.js";
import { ANY_PURPOSE_OID } from "./extra-eku.js";
import type { IssuancePolicy } from "./issuance-policy.js";

export function policyWarnings(policy: IssuancePolicy): string[] {
  const prefix = `issuance-policies "${policy.name}"`;
  const warnings: string[] = [];
  for (const rule of cancelledAllowRules(policy.dns)) {
    warnings.push(`${prefix}: dns.allow rule "${rule.rule}" cannot take effect: dns.deny denies every name it allows`);
  }
  const { allowedAlgorithms, allowedEcCurves, minRsaBits, allowedExtraEkus } = policy.csr;
  if (allowedEcCurves.length > 0 && !allowedAlgorithms.some((name) => name.startsWith("ECDSA-"))) {
    warnings.push(
      `${prefix}: signature.allowed-ec-curves ${allowedEcCurves.join(", ")} cannot take effect: signature.allowed-algorithms has no ECDSA algorithm, so EC keys are refused`,
    );
  }
  // The default is always there, so only a value someone wrote can be reported.
  if (minRsaBits !== DEFAULT_CSR_POLICY.minRsaBits && !allowedAlgorithms.some((name) => name.startsWith("RSA-"))) {
    warnings.push(`${prefix}: signature.min-rsa-bits ${minRsaBits} cannot take effect: signature.allowed-algorithms has no RSA algorithm, so RSA keys are refused`);
  }
  if (allowedExtraEkus.includes(ANY_PURPOSE_OID)) {
    warnings.push(
      `${prefix}: csr.allowed-extra-eku allows anyPurpose (${ANY_PURPOSE_OID}): CSRs may ask for certificates valid for every purpose, the ADCS ESC2 abuse`,
    );
  }
  return warnings;
}
