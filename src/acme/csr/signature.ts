/**
 * The CSR's self-signature: proof that the requester holds the private key of the key it asks a
 * certificate for (RFC 2986 §3, RFC 8555 §7.4). The algorithm must fit the key and the policy, and
 * node:crypto does the verification.
 *
 * The ECDSA hash is deliberately not tied to the curve: certbot signs every CSR with SHA-256 and
 * acme.sh runs `openssl req -sha256`, so a P-384 key routinely comes with ecdsa-with-SHA256. The
 * CSR signature only proves possession of the key; the hash is still checked against the policy.
 */
import { verify } from "node:crypto";
import { elements, expectTag, readNull, readUnsignedInteger, readWhole, Tag } from "./der.js";
import { describeOid, Oid } from "./oids.js";
import type { AlgorithmIdentifier } from "./pkcs10.js";
import type { CsrPolicy, CsrSignatureAlgorithm } from "./policy.js";
import type { CsrPublicKey } from "./public-key.js";
import { CsrRefusal, notDer } from "./refusal.js";

interface KnownAlgorithm {
  readonly name: CsrSignatureAlgorithm;
  readonly keyKind: "RSA" | "EC" | "Ed25519";
  /** null for Ed25519, which hashes internally. */
  readonly hash: "sha256" | "sha384" | "sha512" | null;
}

const ALGORITHMS: Readonly<Record<string, KnownAlgorithm>> = {
  [Oid.sha256WithRsa]: { name: "RSA-SHA256", keyKind: "RSA", hash: "sha256" },
  [Oid.sha384WithRsa]: { name: "RSA-SHA384", keyKind: "RSA", hash: "sha384" },
  [Oid.sha512WithRsa]: { name: "RSA-SHA512", keyKind: "RSA", hash: "sha512" },
  [Oid.ecdsaWithSha256]: { name: "ECDSA-SHA256", keyKind: "EC", hash: "sha256" },
  [Oid.ecdsaWithSha384]: { name: "ECDSA-SHA384", keyKind: "EC", hash: "sha384" },
  [Oid.ecdsaWithSha512]: { name: "ECDSA-SHA512", keyKind: "EC", hash: "sha512" },
  [Oid.ed25519]: { name: "ED25519", keyKind: "Ed25519", hash: null },
};

export function checkSignature(
  algorithm: AlgorithmIdentifier,
  signature: Uint8Array,
  signedInfo: Uint8Array,
  key: CsrPublicKey,
  policy: CsrPolicy,
): CsrSignatureAlgorithm {
  const known = identify(algorithm);
  if (known.keyKind !== key.keyType.kind) {
    throw new CsrRefusal(`The CSR is signed with ${known.name}, which does not fit its ${key.keyType.kind} public key.`);
  }
  if (!policy.allowedAlgorithms.includes(known.name)) {
    throw new CsrRefusal(`The CSR signature algorithm ${known.name} is not allowed by the issuance policy (allowed: ${policy.allowedAlgorithms.join(", ") || "none"}).`);
  }
  if (known.keyKind === "EC") checkEcdsaSignatureEncoding(signature);
  if (!verifies(known, signedInfo, key, signature)) throw new CsrRefusal("The CSR signature does not verify with the CSR's own public key.");
  return known.name;
}

/** OpenSSL reports some bad signatures (an RSA signature of the wrong length) as errors: same answer. */
function verifies(known: KnownAlgorithm, signedInfo: Uint8Array, key: CsrPublicKey, signature: Uint8Array): boolean {
  try {
    return verify(known.hash, signedInfo, known.keyKind === "EC" ? { key: key.keyObject, dsaEncoding: "der" } : key.keyObject, signature);
  } catch {
    return false;
  }
}

function identify(algorithm: AlgorithmIdentifier): KnownAlgorithm {
  const { oid, parameters } = algorithm;
  if (oid === Oid.rsassaPss) {
    throw new CsrRefusal("RSA-PSS CSR signatures are not accepted; sign the CSR with RSA PKCS#1 v1.5 (sha256WithRSAEncryption).");
  }
  const known = ALGORITHMS[oid];
  if (!known) {
    throw new CsrRefusal(`The CSR signature algorithm ${describeOid(oid)} is not accepted; use RSA or ECDSA with SHA-256/384/512, or Ed25519.`);
  }
  if (parameters !== null) {
    // RFC 4055 §5: RSA PKCS#1 v1.5 parameters are NULL, and absent must be accepted too.
    // RFC 5758 §3.2 and RFC 8410 §3: ECDSA and Ed25519 parameters MUST be absent.
    if (known.keyKind !== "RSA") throw notDer("the signature algorithm", `${known.name} must not carry parameters`);
    readNull(parameters, "the signature algorithm parameters");
  }
  return known;
}

/** ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 5480 §2.2), in DER like the rest. */
function checkEcdsaSignatureEncoding(signature: Uint8Array): void {
  const what = "the ECDSA signature";
  const [r, s, ...extra] = elements(expectTag(readWhole(signature, what), Tag.SEQUENCE, what), what);
  if (!r || !s || extra.length > 0) throw notDer(what, "must hold exactly r and s");
  readUnsignedInteger(r, "the ECDSA signature value r");
  readUnsignedInteger(s, "the ECDSA signature value s");
}
