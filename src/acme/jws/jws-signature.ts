/**
 * The signature check of a flattened JWS (RFC 7515 §5.2) with an account's public key, done
 * synchronously by node:crypto on a KeyObject imported once per key.
 *
 * Why not jose here: jose 6 always verifies through WebCrypto (`crypto.subtle.verify`, a KeyObject
 * is converted to a CryptoKey on every call), which hands each check to the libuv thread pool and
 * back. At ~6 signed requests per ACME order that round trip cost more server CPU than the
 * elliptic-curve arithmetic itself (docs/benchmarks.md). The algorithm set is RFC 8555 §6.2's
 * (asymmetric only), and the accepted algorithm always comes from the key, never the header.
 */
import { createPublicKey, verify, type KeyObject } from "node:crypto";
import type { AcmeJwsAlgorithm } from "./algorithms.js";
import { badPublicKey } from "./jws-problems.js";
import type { AcmePublicJwk } from "./public-jwk.js";

/** RFC 7518 §3.1 (RS256, ES256/384/512) and RFC 8037 §3.1 (EdDSA: the hash is part of Ed25519). */
const DIGEST: Readonly<Record<AcmeJwsAlgorithm, string | null>> = {
  RS256: "sha256",
  ES256: "sha256",
  ES384: "sha384",
  ES512: "sha512",
  EdDSA: null,
};

/** The key as node:crypto uses it; refused as `badPublicKey` when it is not a valid key for its type. */
export function importAccountPublicKey(jwk: AcmePublicJwk): KeyObject {
  try {
    // node:crypto checks that an EC point lies on its curve, as WebCrypto's import did.
    return createPublicKey({ key: { ...jwk }, format: "jwk" });
  } catch {
    throw badPublicKey("The public key could not be imported; it is not a valid key for its type.");
  }
}

/**
 * Whether `signature` (base64url) signs `protectedPart.payload` under `key` with `algorithm`.
 * RFC 7518 §3.4: ECDSA signatures are the fixed-length R ‖ S form, never DER.
 */
export function jwsSignatureVerifies(protectedPart: string, payload: string, signature: string, key: KeyObject, algorithm: AcmeJwsAlgorithm): boolean {
  const signingInput = Buffer.from(`${protectedPart}.${payload}`, "ascii");
  const signatureBytes = Buffer.from(signature, "base64url");
  try {
    return verify(DIGEST[algorithm], signingInput, algorithm.startsWith("ES") ? { key, dsaEncoding: "ieee-p1363" } : key, signatureBytes);
  } catch {
    // e.g. an ECDSA signature of the wrong length for the curve
    return false;
  }
}
