/**
 * The key and CSR of a server certificate the manager requests (pki and acme modes), of the
 * type the bundle's `key` asks for (reference §9, v0.9.3: ECDSA P-256 by default, P-384, P-521,
 * or RSA 2048–8192).
 */
import "reflect-metadata";
import { createPrivateKey, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import type { ServerKeySpec } from "../config/index.js";
import { privateKeyToPkcs8Pem } from "../ca/local/bootstrap-keys.js";
import type { CertificateHost } from "./server-certificate-hosts.js";

/** The hash paired with each curve, as in RFC 5480 §4. */
const CURVE_HASH = { "P-256": "SHA-256", "P-384": "SHA-384", "P-521": "SHA-512" } as const;
/** node's names of the curves, as `asymmetricKeyDetails.namedCurve` reports them */
const NODE_CURVE = { "P-256": "prime256v1", "P-384": "secp384r1", "P-521": "secp521r1" } as const;
/** RFC 5280 ub-common-name */
const MAX_COMMON_NAME_LENGTH = 64;

export interface ServerKeyRequest {
  readonly keyPem: string;
  /** DER PKCS#10 request carrying the hosts as SANs */
  readonly csrDer: Uint8Array;
  readonly csrPem: string;
  /** DER SubjectPublicKeyInfo */
  readonly publicKeySpki: Uint8Array;
}

function algorithms(spec: ServerKeySpec): { readonly generate: RsaHashedKeyGenParams | EcKeyGenParams; readonly sign: Algorithm | EcdsaParams } {
  if (spec.type === "rsa") {
    const generate = { name: "RSASSA-PKCS1-v1_5", modulusLength: spec.size, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" };
    return { generate, sign: generate };
  }
  return { generate: { name: "ECDSA", namedCurve: spec.curve }, sign: { name: "ECDSA", hash: CURVE_HASH[spec.curve] } as EcdsaParams };
}

export async function newServerKeyRequest(spec: ServerKeySpec, hosts: readonly CertificateHost[]): Promise<ServerKeyRequest> {
  const first = hosts[0];
  if (!first) throw new Error("a server certificate request needs at least one host");
  const { generate, sign } = algorithms(spec);
  const keys = (await webcrypto.subtle.generateKey(generate, true, ["sign", "verify"])) as CryptoKeyPair;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    // The SANs carry the identity (RFC 6125); the CN is a readable label some CAs still want.
    name: [{ CN: [first.value.length <= MAX_COMMON_NAME_LENGTH ? first.value : "Certeasy server"] }],
    keys,
    signingAlgorithm: sign,
    extensions: [new x509.SubjectAlternativeNameExtension(hosts.map((h) => ({ type: h.kind, value: h.value })))],
  });
  return {
    keyPem: await privateKeyToPkcs8Pem(keys.privateKey),
    csrDer: new Uint8Array(csr.rawData),
    csrPem: csr.toString("pem"),
    publicKeySpki: new Uint8Array(await webcrypto.subtle.exportKey("spki", keys.publicKey)),
  };
}

/** Whether a PEM key is of the configured type, so a changed `key` setting gets a new certificate. */
export function keyMatchesSpec(keyPem: string, spec: ServerKeySpec): boolean {
  const key = createPrivateKey(keyPem);
  if (spec.type === "rsa") return key.asymmetricKeyType === "rsa" && key.asymmetricKeyDetails?.modulusLength === spec.size;
  return key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === NODE_CURVE[spec.curve];
}
