/**
 * The DER SubjectPublicKeyInfo digest of a JWK: how a JWS key is compared with a CSR or
 * certificate key — the account key must not be the certificate key (RFC 8555 §11.1), and a
 * revocation signed with the certificate key must match it byte for byte (§7.6).
 */
import { createHash, createPublicKey, type JsonWebKey } from "node:crypto";

export function jwkSpkiSha256(jwk: JsonWebKey): string {
  const spki = createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("hex");
}
