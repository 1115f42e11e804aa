/**
 * The `externalAccountBinding` of a newAccount request (RFC 8555 §7.3.4): a flattened JWS whose
 * protected header has a MAC algorithm, the EAB key id as `kid`, the newAccount URL as `url`
 * and no `nonce`, whose payload is the account key (the outer JWS's `jwk`), MACed with the
 * HMAC key the operator handed out. Parsing is pure and refuses with `malformed`; the MAC and
 * the payload are checked once the key is known, and refuse with `unauthorized`.
 */
import { calculateJwkThumbprint, errors, flattenedVerify, type JWK } from "jose";
import { domainError, type DomainError } from "../../domain/domain-error.js";

/** RFC 8555 §7.3.4: "alg" MUST indicate a MAC-based algorithm (RFC 7518 §3.2). */
export const EAB_ALGORITHMS = ["HS256", "HS384", "HS512"] as const;
export type EabAlgorithm = (typeof EAB_ALGORITHMS)[number];

export interface EabBindingJws {
  readonly keyId: string;
  readonly alg: EabAlgorithm;
  readonly protected: string;
  readonly payload: string;
  readonly signature: string;
}

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DomainError };

const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** JWK members that carry private or symmetric key material (RFC 7518 §6). */
const SECRET_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

const malformed = <T>(detail: string): Parsed<T> => ({ ok: false, error: domainError("malformed", detail) });

/**
 * @param value the payload's `externalAccountBinding` member
 * @param newAccountUrl the outer JWS's `url`, already checked to be the newAccount URL
 */
export function parseEabBinding(value: unknown, newAccountUrl: string): Parsed<EabBindingJws> {
  if (!isObject(value)) return malformed("The externalAccountBinding must be a flattened JWS object (RFC 8555 §7.3.4).");
  if ("signatures" in value) return malformed("The externalAccountBinding must use the flattened JWS serialisation, with one MAC.");
  if ("header" in value) return malformed("The externalAccountBinding must not have an unprotected header.");
  const parts: Record<"protected" | "payload" | "signature", string> = { protected: "", payload: "", signature: "" };
  for (const name of ["protected", "payload", "signature"] as const) {
    const part = value[name];
    if (typeof part !== "string" || !BASE64URL.test(part)) {
      return malformed(`The externalAccountBinding member ${name} must be a non-empty base64url string.`);
    }
    parts[name] = part;
  }
  const header = decodeJson(parts.protected);
  if (!isObject(header)) return malformed("The externalAccountBinding protected header must be a JSON object.");
  const alg = header["alg"];
  if (!EAB_ALGORITHMS.includes(alg as EabAlgorithm)) {
    return malformed(`The externalAccountBinding must be MACed with HS256, HS384 or HS512, not ${JSON.stringify(alg ?? null)}.`);
  }
  if ("crit" in header || "b64" in header) return malformed("The externalAccountBinding must not use critical header extensions.");
  if ("nonce" in header) return malformed("The externalAccountBinding protected header must not contain a nonce (RFC 8555 §7.3.4).");
  if (header["url"] !== newAccountUrl) {
    return malformed("The externalAccountBinding url must be the newAccount URL, the same as the url of the request.");
  }
  const kid = header["kid"];
  if (typeof kid !== "string" || kid === "" || kid.length > 128) {
    return malformed("The externalAccountBinding protected header must name the EAB key id as kid.");
  }
  return { ok: true, value: { keyId: kid, alg: alg as EabAlgorithm, ...parts } };
}

/**
 * Verify the MAC with the decrypted HMAC key, then that the payload is the account key that
 * signed the request (compared as RFC 7638 thumbprints). Null when the binding holds.
 */
export async function verifyEabBinding(binding: EabBindingJws, hmacKey: Uint8Array, accountThumbprint: string): Promise<DomainError | null> {
  let payload: Uint8Array;
  try {
    const verified = await flattenedVerify(
      { protected: binding.protected, payload: binding.payload, signature: binding.signature },
      hmacKey,
      { algorithms: [binding.alg] },
    );
    payload = verified.payload;
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return domainError("unauthorized", `The externalAccountBinding MAC does not verify with the HMAC key of EAB key ${binding.keyId}.`);
    }
    if (error instanceof errors.JOSEError) return domainError("malformed", "The externalAccountBinding is not a valid JWS.");
    throw error;
  }
  const jwk = parseJson(Buffer.from(payload).toString("utf8"));
  if (!isObject(jwk)) return domainError("malformed", "The externalAccountBinding payload must be the account's public key as a JWK.");
  if (SECRET_MEMBERS.some((member) => member in jwk)) {
    return domainError("malformed", "The externalAccountBinding payload must be a public key; it carries private key material.");
  }
  let thumbprint: string;
  try {
    thumbprint = await calculateJwkThumbprint(jwk as JWK, "sha256");
  } catch {
    return domainError("malformed", "The externalAccountBinding payload must be the account's public key as a JWK.");
  }
  if (thumbprint !== accountThumbprint) {
    return domainError("unauthorized", "The externalAccountBinding payload is not the key that signed this newAccount request.");
  }
  return null;
}

const decodeJson = (part: string): unknown => parseJson(Buffer.from(part, "base64url").toString("utf8"));

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
