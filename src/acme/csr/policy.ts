/**
 * What a CSR may ask for: key sizes, curves, signature algorithms and extra EKUs. The defaults
 * match the behaviour reference (§2.3, §3.4): RSA from 3072 bits, P-256 and P-384, serverAuth only.
 */
export type EcCurve = "P-256" | "P-384" | "P-521";

export type CsrSignatureAlgorithm =
  | "RSA-SHA256"
  | "RSA-SHA384"
  | "RSA-SHA512"
  | "ECDSA-SHA256"
  | "ECDSA-SHA384"
  | "ECDSA-SHA512"
  | "ED25519";

export interface CsrPolicy {
  /** Smallest accepted RSA modulus, in bits; values under 2048 are raised to 2048. */
  readonly minRsaBits: number;
  readonly allowedEcCurves: readonly EcCurve[];
  readonly allowedAlgorithms: readonly CsrSignatureAlgorithm[];
  /** Dotted EKU OIDs a CSR may request besides serverAuth (1.3.6.1.5.5.7.3.1). */
  readonly allowedExtraEkus: readonly string[];
}

export const DEFAULT_CSR_POLICY: CsrPolicy = Object.freeze({
  minRsaBits: 3072,
  allowedEcCurves: Object.freeze(["P-256", "P-384"] as const),
  allowedAlgorithms: Object.freeze(["RSA-SHA256", "RSA-SHA384", "RSA-SHA512", "ECDSA-SHA256", "ECDSA-SHA384", "ED25519"] as const),
  allowedExtraEkus: Object.freeze([] as string[]),
});

/** No policy may go below this: 2048-bit RSA is the floor of the CA/Browser Forum BRs §6.1.5. */
export const RSA_FLOOR_BITS = 2048;
/** Above this, RSA verification gets slow enough to be a denial-of-service lever. */
export const RSA_CEILING_BITS = 8192;

export const effectiveMinRsaBits = (policy: CsrPolicy): number =>
  Number.isFinite(policy.minRsaBits) ? Math.max(RSA_FLOOR_BITS, policy.minRsaBits) : RSA_FLOOR_BITS;
