/**
 * The embedded CA's issuing step: IssuanceRequest → signed leaf, or a denial. Synchronous and
 * free of I/O, so a submit costs one DER encoding and one ECDSA signature.
 *
 * Leaf profile (RFC 5280; behaviour reference §2.3 "SAN only, with an empty Subject CN"): v3,
 * serial of 01 then 16 random octets (serial.ts), issuer = the issuing CA's subject bytes,
 * empty subject with a critical SAN (dNSName / iPAddress), EKU serverAuth (+ the policy's extra
 * EKUs), keyUsage digitalSignature (+ keyEncipherment for RSA keys), basicConstraints CA:FALSE,
 * SKI, AKI, CRL distribution point (its serial's shard, crl-partition.ts) and, when configured,
 * AIA caIssuers.
 */
import type { IssuanceRequest, SubmitOutcome } from "../authority.js";
import { toPem } from "../der/pem.js";
import { leafCertificateBuilder } from "../x509/leaf-certificate.js";
import type { TbsSigner } from "../x509/signer.js";
import { crlScopeOf } from "./crl-partition.js";
import type { IssuingCa } from "./issuing-ca.js";
import { readLeafRequest } from "./leaf-request.js";
import { decideLeafValidity } from "./leaf-validity.js";
import { randomSerial } from "./serial.js";

export interface LeafIssuerOptions {
  /** each CRL shard's URL, by index: as many as the CA has shards */
  readonly crlShardUrls: readonly string[];
  readonly caIssuersUrl?: string | undefined;
  readonly lifetimeMs: number;
}

export type IssueLeaf = (request: IssuanceRequest, now: Date) => SubmitOutcome;

export function leafIssuer(issuing: IssuingCa, signer: TbsSigner, options: LeafIssuerOptions): IssueLeaf {
  const builder = leafCertificateBuilder(
    {
      issuerName: issuing.subjectName,
      authorityKeyId: issuing.subjectKeyId,
      crlUrls: options.crlShardUrls,
      ...(options.caIssuersUrl === undefined ? {} : { caIssuersUrl: options.caIssuersUrl }),
    },
    signer,
  );
  const limits = { lifetimeMs: options.lifetimeMs, caNotBefore: issuing.notBefore, caNotAfter: issuing.notAfter };
  // RFC 8555 §7.4.2: the chain after the leaf is the issuing CA; the root is the client's trust anchor.
  const issuingPem = `${issuing.certificatePem.trim()}\n`;
  const akiHex = Buffer.from(issuing.subjectKeyId).toString("hex");

  return (request, now) => {
    const validity = decideLeafValidity(limits, request, now);
    if (!validity.ok) return { kind: "denied", reason: validity.reason };
    const fields = readLeafRequest(request);
    if (!fields.ok) return { kind: "denied", reason: fields.reason };
    const serial = randomSerial();
    const crlShard = crlScopeOf(serial.hex, options.crlShardUrls.length);
    // randomSerial() draws only partitioned serials; a legacy scope here would be a bug.
    if (crlShard === "legacy") throw new RangeError(`serial ${serial.hex} is not a partitioned serial`);
    const certificateDer = builder.certificate({
      serial: serial.octets,
      notBefore: validity.notBefore,
      notAfter: validity.notAfter,
      subjectPublicKey: fields.subjectPublicKey,
      subjectAltNames: fields.subjectAltNames,
      extraEkus: fields.extraEkus,
      crlShard,
    });
    return {
      kind: "issued",
      certificate: {
        certificateDer,
        chainPem: toPem(certificateDer, "CERTIFICATE") + issuingPem,
        serialHex: serial.hex,
        akiHex,
        notBefore: validity.notBefore,
        notAfter: validity.notAfter,
      },
    };
  };
}
