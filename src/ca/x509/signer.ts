/**
 * Signing a TBS structure with node:crypto: a certificate (RFC 5280 §4.1.1) and a CRL (§5.1.1)
 * are both SEQUENCE { tbs, signatureAlgorithm, signatureValue BIT STRING }.
 */
import { type KeyObject, sign, verify } from "node:crypto";
import { bitString, sequence } from "../der/encode.js";
import { ENCODED_OID } from "./oids.js";

export interface TbsSigner {
  /** the AlgorithmIdentifier, written both inside the TBS (`signature`) and after it */
  readonly algorithmIdentifier: Buffer;
  sign(tbs: Uint8Array): Buffer;
  /** true when `signature` over `data` checks against the signer's public key */
  verify(data: Uint8Array, signature: Uint8Array): boolean;
}

/**
 * ecdsa-with-SHA256 with a P-256 key. RFC 5758 §3.2: the AlgorithmIdentifier has no parameters;
 * node's default `dsaEncoding: "der"` yields the Ecdsa-Sig-Value SEQUENCE that X.509 expects.
 */
export function ecdsaP256Signer(privateKey: KeyObject, publicKey: KeyObject): TbsSigner {
  if (privateKey.asymmetricKeyType !== "ec" || privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new TypeError("the signing key must be an ECDSA P-256 private key");
  }
  return {
    algorithmIdentifier: sequence(ENCODED_OID.ecdsaWithSha256),
    sign: (tbs) => sign("sha256", tbs, privateKey),
    verify: (data, signature) => verify("sha256", data, publicKey, signature),
  };
}

/** The signed envelope around a TBSCertificate or TBSCertList. */
export const signTbs = (tbs: Uint8Array, signer: TbsSigner): Buffer =>
  sequence(tbs, signer.algorithmIdentifier, bitString(signer.sign(tbs)));
