/**
 * The JWS algorithms ACME requests may be signed with (RFC 8555 §6.2): asymmetric signatures
 * only. `none` and every MAC algorithm are refused, so a public key can never be used as an
 * HMAC secret ("algorithm confusion").
 */
export const ACME_JWS_ALGORITHMS = ["RS256", "ES256", "ES384", "ES512", "EdDSA"] as const;

export type AcmeJwsAlgorithm = (typeof ACME_JWS_ALGORITHMS)[number];

export function isAcmeJwsAlgorithm(value: unknown): value is AcmeJwsAlgorithm {
  return typeof value === "string" && (ACME_JWS_ALGORITHMS as readonly string[]).includes(value);
}
