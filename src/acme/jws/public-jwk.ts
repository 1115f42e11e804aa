/**
 * Account public keys as JWKs (RFC 7517): validation of what a client sends in a JWS `jwk`
 * header, the one algorithm each accepted key signs with, and the RFC 7638 thumbprint.
 */
import { createHash } from "node:crypto";
import type { AcmeJwsAlgorithm } from "./algorithms.js";
import { badPublicKey, malformed } from "./jws-problems.js";

export type AcmeEcCurve = "P-256" | "P-384" | "P-521";

/** Only the public members, in a fixed shape: what accounts store and what keys are imported from. */
export type AcmePublicJwk =
  | { readonly kty: "RSA"; readonly n: string; readonly e: string }
  | { readonly kty: "EC"; readonly crv: AcmeEcCurve; readonly x: string; readonly y: string }
  | { readonly kty: "OKP"; readonly crv: "Ed25519"; readonly x: string };

/** Baseline Requirements minimum; above 4096 bits verification cost becomes a denial-of-service lever. */
export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 4096;
/** 2^32 - 1 at most: far above 65537, which every ACME client uses */
const RSA_MAX_EXPONENT_BITS = 32;

/** JWK members that carry private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4). */
const SECRET_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] as const;

const EC_COORDINATE_BYTES: Readonly<Record<AcmeEcCurve, number>> = { "P-256": 32, "P-384": 48, "P-521": 66 };
const EC_ALGORITHM: Readonly<Record<AcmeEcCurve, AcmeJwsAlgorithm>> = { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" };

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Validates a `jwk` header value and keeps only its public members. Throws an AcmeProblem. */
export function parsePublicJwk(value: unknown): AcmePublicJwk {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw malformed("The JWS header member jwk must be a JSON object.");
  }
  const jwk = value as Record<string, unknown>;
  const secret = SECRET_MEMBERS.filter((m) => m in jwk);
  if (secret.length > 0) {
    throw malformed(`The jwk must be a public key; it carries private key material (${secret.join(", ")}).`);
  }
  switch (jwk["kty"]) {
    case "RSA":
      return rsaKey(jwk);
    case "EC":
      return ecKey(jwk);
    case "OKP":
      return okpKey(jwk);
    default:
      throw badPublicKey(`Unsupported key type ${JSON.stringify(jwk["kty"])}: use RSA, EC (P-256, P-384, P-521) or OKP (Ed25519).`);
  }
}

/** The single JWS algorithm a key of this type signs ACME requests with. */
export function algorithmForKey(jwk: AcmePublicJwk): AcmeJwsAlgorithm {
  switch (jwk.kty) {
    case "RSA":
      return "RS256";
    case "EC":
      return EC_ALGORITHM[jwk.crv];
    case "OKP":
      return "EdDSA";
  }
}

/** RFC 7638 §3: the required members in lexicographic order, no whitespace. */
export function thumbprintInput(jwk: AcmePublicJwk): string {
  switch (jwk.kty) {
    case "RSA":
      return JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n });
    case "EC":
      return JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
    case "OKP":
      return JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  }
}

/** RFC 7638 SHA-256 thumbprint, base64url: the key's identity (RFC 8555 §8.1 key authorizations). */
export function jwkThumbprint(jwk: AcmePublicJwk): string {
  return createHash("sha256").update(thumbprintInput(jwk)).digest("base64url");
}

function rsaKey(jwk: Record<string, unknown>): AcmePublicJwk {
  const n = base64urlMember(jwk, "n");
  const e = base64urlMember(jwk, "e");
  const bits = bitLength(Buffer.from(n, "base64url"));
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) {
    throw badPublicKey(`RSA keys must be ${RSA_MIN_BITS} to ${RSA_MAX_BITS} bits long; this one has ${bits}.`);
  }
  // A verification costs one modular exponentiation by e: an exponent as long as the modulus
  // would make every request signed with that key cost as much as an RSA private-key operation.
  const exponent = Buffer.from(e, "base64url");
  if (bitLength(exponent) > RSA_MAX_EXPONENT_BITS || bitLength(exponent) < 2 || ((exponent.at(-1) ?? 0) & 1) === 0) {
    throw badPublicKey("The RSA public exponent must be an odd number from 3 to 2^32 - 1 (65537 is the usual one).");
  }
  return { kty: "RSA", n, e };
}

function ecKey(jwk: Record<string, unknown>): AcmePublicJwk {
  const crv = jwk["crv"];
  if (crv !== "P-256" && crv !== "P-384" && crv !== "P-521") {
    throw badPublicKey(`Unsupported EC curve ${JSON.stringify(crv)}: use P-256, P-384 or P-521.`);
  }
  const x = coordinate(jwk, "x", EC_COORDINATE_BYTES[crv]);
  const y = coordinate(jwk, "y", EC_COORDINATE_BYTES[crv]);
  return { kty: "EC", crv, x, y };
}

function okpKey(jwk: Record<string, unknown>): AcmePublicJwk {
  if (jwk["crv"] !== "Ed25519") {
    throw badPublicKey(`Unsupported OKP curve ${JSON.stringify(jwk["crv"])}: use Ed25519.`);
  }
  return { kty: "OKP", crv: "Ed25519", x: coordinate(jwk, "x", 32) };
}

function coordinate(jwk: Record<string, unknown>, name: string, bytes: number): string {
  const value = base64urlMember(jwk, name);
  if (Buffer.from(value, "base64url").length !== bytes) {
    throw badPublicKey(`The jwk member ${name} must encode ${bytes} bytes for this curve.`);
  }
  return value;
}

function base64urlMember(jwk: Record<string, unknown>, name: string): string {
  const value = jwk[name];
  if (typeof value !== "string" || !BASE64URL.test(value)) {
    throw malformed(`The jwk member ${name} must be a base64url string.`);
  }
  return value;
}

function bitLength(bytes: Buffer): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  const first = bytes[i];
  if (first === undefined) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(first));
}
