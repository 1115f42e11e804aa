/**
 * The leaf certificate as a DER template (RFC 5280 §4.1). Everything the issuing CA fixes —
 * version, signature algorithm, issuer Name, AKI, the CRL distribution points (one per CRL
 * shard), AIA, basic constraints — is encoded once when the builder is made; per certificate
 * only the serial, validity, public key, SKI, SANs and EKUs are encoded and its shard's
 * distribution point picked, then the TBS is signed with node:crypto.
 */
import { explicit, integer, sequence, time, unsignedInteger } from "../der/encode.js";
import {
  type GeneralName,
  KeyUsageBit,
  authorityInfoAccessCaIssuers,
  authorityKeyIdentifier,
  crlDistributionPoints,
  endEntityBasicConstraints,
  extendedKeyUsage,
  keyUsage,
  subjectAltName,
  subjectKeyIdentifier,
} from "./extensions.js";
import { ENCODED_OID, OID } from "./oids.js";
import { type SubjectPublicKey, keyIdentifier } from "./public-key.js";
import { type TbsSigner, signTbs } from "./signer.js";

export interface LeafIssuerProfile {
  /** the issuing CA's subject Name, DER, copied verbatim so name chaining matches byte for byte */
  readonly issuerName: Uint8Array;
  /** the issuing CA's subject key identifier, written as the leaf's AKI keyIdentifier */
  readonly authorityKeyId: Uint8Array;
  /** the URL of each CRL shard, by shard index (crl-partition.ts) */
  readonly crlUrls: readonly string[];
  /** where the issuing CA certificate can be fetched (AIA caIssuers), if anywhere */
  readonly caIssuersUrl?: string;
}

export interface LeafFields {
  /** the serial's magnitude octets; positive and at most 20 octets (RFC 5280 §4.1.2.2) */
  readonly serial: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly subjectPublicKey: SubjectPublicKey;
  /** at least one: the subject is empty, the SANs are the whole identity */
  readonly subjectAltNames: readonly GeneralName[];
  /** encoded OIDs of EKUs besides serverAuth */
  readonly extraEkus: readonly Uint8Array[];
  /** the index in `crlUrls` of the CRL that will list this certificate if it is revoked */
  readonly crlShard: number;
}

export interface LeafCertificateBuilder {
  /** the TBSCertificate DER (exposed for tests and benchmarks) */
  tbs(fields: LeafFields): Buffer;
  /** the signed Certificate DER */
  certificate(fields: LeafFields): Buffer;
}

const VERSION_3 = explicit(0, integer(2));
/** RFC 5280 §4.1.2.6: an empty subject; the identity lives in the (then critical) SAN. */
const EMPTY_SUBJECT = sequence();

export function leafCertificateBuilder(profile: LeafIssuerProfile, signer: TbsSigner): LeafCertificateBuilder {
  const signatureAndIssuer = Buffer.concat([signer.algorithmIdentifier, profile.issuerName]);
  const basicConstraints = endEntityBasicConstraints();
  const signingKeyUsage = keyUsage([KeyUsageBit.digitalSignature]);
  // RSA key transport (TLS 1.2 RSA kex) needs keyEncipherment; EC and EdDSA keys only sign.
  const rsaKeyUsage = keyUsage([KeyUsageBit.digitalSignature, KeyUsageBit.keyEncipherment]);
  const serverAuthOnly = extendedKeyUsage([ENCODED_OID.serverAuth]);
  const aki = authorityKeyIdentifier(profile.authorityKeyId);
  const aia = profile.caIssuersUrl === undefined ? Buffer.alloc(0) : authorityInfoAccessCaIssuers(profile.caIssuersUrl);
  const tails = profile.crlUrls.map((url) => Buffer.concat([crlDistributionPoints(url), aia]));

  const tbs = (fields: LeafFields): Buffer => {
    if (fields.subjectAltNames.length === 0) throw new TypeError("a leaf certificate needs at least one subject alternative name");
    const tail = tails[fields.crlShard];
    if (tail === undefined) throw new RangeError(`CRL shard ${fields.crlShard} is not one of the ${tails.length} configured`);
    const key = fields.subjectPublicKey;
    const extensions = sequence(
      basicConstraints,
      key.algorithm === OID.rsaEncryption ? rsaKeyUsage : signingKeyUsage,
      fields.extraEkus.length === 0 ? serverAuthOnly : extendedKeyUsage([ENCODED_OID.serverAuth, ...fields.extraEkus]),
      subjectKeyIdentifier(keyIdentifier(key.keyBits)),
      aki,
      subjectAltName(fields.subjectAltNames, true),
      tail,
    );
    return sequence(
      VERSION_3,
      unsignedInteger(fields.serial),
      signatureAndIssuer,
      sequence(time(fields.notBefore), time(fields.notAfter)),
      EMPTY_SUBJECT,
      key.spki,
      explicit(3, extensions),
    );
  };

  return { tbs, certificate: (fields) => signTbs(tbs(fields), signer) };
}
