/**
 * The CSR's SubjectPublicKeyInfo: which key it is, whether the policy allows it, and a KeyObject to
 * verify the signature with. The SPKI goes into the certificate byte for byte, so it is read as
 * strictly as the rest: one encoding per key (NULL RSA parameters, a named curve, an uncompressed
 * point) also makes its SHA-256 a sound way to compare it with the account key (RFC 8555 §11.1).
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { elements, encoded, expectTag, readNull, readOctetAlignedBits, readOid, readUnsignedInteger, readWhole, Tag, type DerNode } from "./der.js";
import { describeOid, Oid } from "./oids.js";
import { readAlgorithmIdentifier } from "./pkcs10.js";
import { effectiveMinRsaBits, RSA_CEILING_BITS, type CsrPolicy, type EcCurve } from "./policy.js";
import { CsrRefusal, notDer } from "./refusal.js";

export type CsrKeyType = { kind: "RSA"; bits: number } | { kind: "EC"; curve: EcCurve } | { kind: "Ed25519" };

export interface CsrPublicKey {
  readonly spki: Uint8Array;
  readonly keyType: CsrKeyType;
  readonly keyObject: KeyObject;
}

const CURVES: Readonly<Record<string, { readonly curve: EcCurve; readonly coordinateBytes: number }>> = {
  [Oid.p256]: { curve: "P-256", coordinateBytes: 32 },
  [Oid.p384]: { curve: "P-384", coordinateBytes: 48 },
  [Oid.p521]: { curve: "P-521", coordinateBytes: 66 },
};

/** CA/Browser Forum BRs §6.1.6: an odd exponent of at least 3, below 2^256. */
const MAX_RSA_EXPONENT_BYTES = 32;

export function readPublicKey(node: DerNode, policy: CsrPolicy): CsrPublicKey {
  const what = "the subject public key info";
  const [algorithmNode, keyNode, ...extra] = elements(node, what);
  if (!algorithmNode || !keyNode || extra.length > 0) throw notDer(what, "must hold exactly an algorithm and a key");
  const algorithm = readAlgorithmIdentifier(algorithmNode, "the public key algorithm");
  const key = readOctetAlignedBits(keyNode, "the public key");
  const keyType = classify(algorithm.oid, algorithm.parameters, key, policy);
  const spki = encoded(node);
  return { spki, keyType, keyObject: load(spki, key, keyType) };
}

function classify(oid: string, parameters: DerNode | null, key: Uint8Array, policy: CsrPolicy): CsrKeyType {
  switch (oid) {
    case Oid.rsaEncryption: {
      // RFC 3279 §2.3.1: the parameters of rsaEncryption MUST be NULL.
      if (parameters === null) throw notDer("the RSA public key algorithm", "must carry NULL parameters (RFC 3279 §2.3.1)");
      readNull(parameters, "the RSA public key parameters");
      return checkRsa(key, policy);
    }
    case Oid.ecPublicKey:
      return checkEc(parameters, key, policy);
    case Oid.ed25519: {
      // RFC 8410 §3: the parameters MUST be absent.
      if (parameters !== null) throw notDer("the Ed25519 public key algorithm", "must not carry parameters (RFC 8410 §3)");
      if (key.length !== 32) throw new CsrRefusal("The CSR's Ed25519 public key must be 32 bytes long.");
      if (!policy.allowedAlgorithms.includes("ED25519")) throw new CsrRefusal("Ed25519 keys are not allowed by the issuance policy.");
      return { kind: "Ed25519" };
    }
    case Oid.rsassaPss:
      throw new CsrRefusal("RSA-PSS public keys (id-RSASSA-PSS) are not accepted; use a plain RSA key (rsaEncryption).");
    default:
      throw new CsrRefusal(`The CSR's public key algorithm ${describeOid(oid)} is not accepted; use an RSA, ECDSA (P-256, P-384) or Ed25519 key.`);
  }
}

function checkRsa(key: Uint8Array, policy: CsrPolicy): CsrKeyType {
  const what = "the RSA public key";
  const [modulusNode, exponentNode, ...extra] = elements(expectTag(readWhole(key, what), Tag.SEQUENCE, what), what);
  if (!modulusNode || !exponentNode || extra.length > 0) throw notDer(what, "must hold exactly a modulus and an exponent");
  const modulus = readUnsignedInteger(modulusNode, "the RSA modulus");
  const exponent = readUnsignedInteger(exponentNode, "the RSA public exponent");
  const bits = bitLength(modulus);
  const min = effectiveMinRsaBits(policy);
  if (bits < min) throw new CsrRefusal(`The CSR's RSA key has ${bits} bits; the issuance policy requires at least ${min}.`);
  if (bits > RSA_CEILING_BITS) throw new CsrRefusal(`The CSR's RSA key has ${bits} bits; at most ${RSA_CEILING_BITS} are accepted.`);
  const odd = ((exponent[exponent.length - 1] ?? 0) & 1) === 1;
  if (!odd || bitLength(exponent) < 2 || exponent.length > MAX_RSA_EXPONENT_BYTES) {
    throw new CsrRefusal("The CSR's RSA public exponent must be an odd number from 3 to 2^256 − 1 (65537 is the usual one).");
  }
  return { kind: "RSA", bits };
}

function checkEc(parameters: DerNode | null, key: Uint8Array, policy: CsrPolicy): CsrKeyType {
  // RFC 5480 §2.1.1: only namedCurve is allowed; implicitCurve and specifiedCurve are not.
  if (parameters === null || parameters.tag !== Tag.OID) {
    throw new CsrRefusal("The CSR's EC public key must name its curve (RFC 5480 §2.1.1); explicit curve parameters are not accepted.");
  }
  const curveOid = readOid(parameters, "the EC curve");
  const known = CURVES[curveOid];
  if (!known) throw new CsrRefusal(`The CSR's EC curve ${describeOid(curveOid)} is not accepted; use P-256 or P-384.`);
  if (!policy.allowedEcCurves.includes(known.curve)) {
    throw new CsrRefusal(`${known.curve} keys are not allowed by the issuance policy (allowed curves: ${policy.allowedEcCurves.join(", ") || "none"}).`);
  }
  // RFC 5480 §2.2: uncompressed points are the interoperable form; the SPKI is copied into the certificate.
  if (key[0] !== 0x04 || key.length !== 1 + 2 * known.coordinateBytes) {
    throw new CsrRefusal(`The CSR's ${known.curve} public key must be an uncompressed point (RFC 5480 §2.2).`);
  }
  return { kind: "EC", curve: known.curve };
}

/**
 * node:crypto decides whether the key is really usable (point on the curve, sane modulus). The
 * input format is chosen for speed, measured with OpenSSL 3.0: an SPKI goes through the generic
 * decoder, which for RSA and Ed25519 costs far more than the key itself, so those are handed over
 * as PKCS#1 and JWK built from the parts read above. A JWK EC key is validated with a full n·Q
 * multiplication: cheap on P-256 (where JWK beats the decoder), slow on P-384 and P-521, which
 * therefore go in as the SPKI (whose decoder still refuses points off the curve; the curves have
 * cofactor 1, so that is the whole check).
 */
function load(spki: Uint8Array, key: Uint8Array, keyType: CsrKeyType): KeyObject {
  const bytes = Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  let keyObject: KeyObject;
  try {
    if (keyType.kind === "RSA") {
      keyObject = createPublicKey({ key: bytes, format: "der", type: "pkcs1" });
    } else if (keyType.kind === "EC" && keyType.curve === "P-256") {
      const jwk = { kty: "EC", crv: keyType.curve, x: base64url(bytes, 1, 33), y: base64url(bytes, 33, 65) };
      keyObject = createPublicKey({ key: jwk, format: "jwk" });
    } else if (keyType.kind === "EC") {
      keyObject = createPublicKey({ key: Buffer.from(spki.buffer, spki.byteOffset, spki.byteLength), format: "der", type: "spki" });
    } else {
      keyObject = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: base64url(bytes, 0, bytes.length) }, format: "jwk" });
    }
  } catch {
    throw new CsrRefusal(`The CSR's public key is not a valid ${describe(keyType)} key.`);
  }
  const expected = keyType.kind === "RSA" ? "rsa" : keyType.kind === "EC" ? "ec" : "ed25519";
  if (keyObject.asymmetricKeyType !== expected) throw new CsrRefusal(`The CSR's public key is not a valid ${describe(keyType)} key.`);
  return keyObject;
}

const base64url = (bytes: Buffer, start: number, end: number): string => bytes.toString("base64url", start, end);

const describe = (keyType: CsrKeyType): string => (keyType.kind === "EC" ? keyType.curve : keyType.kind);

function bitLength(magnitude: Uint8Array): number {
  const first = magnitude[0] ?? 0;
  return first === 0 ? 0 : (magnitude.length - 1) * 8 + (32 - Math.clz32(first));
}
