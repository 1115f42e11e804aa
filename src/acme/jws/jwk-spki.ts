/**
 * The DER SubjectPublicKeyInfo digest of a JWK: how a JWS key is compared with a CSR or
 * certificate key — the account key must not be the certificate key (RFC 8555 §11.1), and a
 * revocation signed with the certificate key must match it byte for byte (§7.6).
 *
 * Importing a JWK costs a few hundred microseconds, once per finalization: digests are kept per
 * key in a small bounded map.
 */
import { createHash, createPublicKey, type JsonWebKey } from "node:crypto";
import { canonicalJson, type JsonValue } from "../../../events/index.js";

const CACHED_KEYS = 10_000;
const digests = new Map<string, string>();

export function jwkSpkiSha256(jwk: JsonWebKey): string {
  const identity = canonicalJson(jwk as JsonValue);
  const known = digests.get(identity);
  if (known !== undefined) return known;
  const spki = createPublicKey({ key: jwk, format: "jwk" }).export({ type: "spki", format: "der" });
  const digest = createHash("sha256").update(spki).digest("hex");
  digests.set(identity, digest);
  if (digests.size > CACHED_KEYS) digests.delete(digests.keys().next().value ?? "");
  return digest;
}
