/**
 * Authentication of ACME POST requests (RFC 8555 §6.2–§6.5): a flattened JWS whose protected
 * header names an accepted algorithm, exactly one key reference, a fresh nonce and the exact
 * request URL, and whose signature verifies with that key.
 *
 * Checks run cheapest first, so a flood of malformed or replayed requests is refused before any
 * public-key operation. The nonce is spent before the signature is checked: a request that got
 * as far as presenting it has used it, and its refusal carries a fresh one.
 */
import { errors, flattenedVerify } from "jose";
import type { NonceService, NonceVerdict } from "../nonces/nonce-service.js";
import { AcmeProblem } from "../../http/problem.js";
import { isAcmeJwsAlgorithm, type AcmeJwsAlgorithm } from "./algorithms.js";
import { AccountKeyCache, importPublicJwk, type ImportedAccountKey } from "./account-key-cache.js";
import { decodePayload, parseFlattenedJws, type FlattenedJws } from "./flattened-jws.js";
import { badNonce, badSignatureAlgorithm, malformed } from "./jws-problems.js";
import { algorithmForKey, jwkThumbprint, parsePublicJwk, type AcmePublicJwk } from "./public-jwk.js";

export const JOSE_CONTENT_TYPE = "application/jose+json";

/**
 * Looks up the key of the account whose URL is `kid`; null when no such account exists
 * (→ `accountDoesNotExist`). Called on every kid request, so it sees key rollovers at once; it
 * may throw an `AcmeProblem` itself, e.g. `unauthorized` for a deactivated account (§7.3.6).
 */
export type AccountKeyResolver = (kid: string) => Promise<AcmePublicJwk | null>;

export interface AcmeProtectedHeader {
  readonly alg: AcmeJwsAlgorithm;
  readonly nonce: string;
  readonly url: string;
  readonly jwk?: unknown;
  readonly kid?: string;
  readonly [member: string]: unknown;
}

export interface VerifiedAcmeRequest {
  /** The JSON object the client signed, or "" for POST-as-GET (RFC 8555 §6.3). */
  readonly payload: Readonly<Record<string, unknown>> | "";
  readonly protectedHeader: AcmeProtectedHeader;
  /** Set when the request was signed with an embedded key (newAccount, revokeCert by cert key). */
  readonly jwk?: AcmePublicJwk;
  /** RFC 7638 thumbprint of `jwk`. */
  readonly thumbprint?: string;
  /** Set when the request was signed with an existing account's key: the account URL. */
  readonly kid?: string;
}

export interface AcmeJwsRequest {
  readonly contentType: string | undefined;
  readonly body: string;
  /** The URL the client addressed, built from the configured external base URL (RFC 8555 §6.4). */
  readonly url: string;
}

export interface VerifyAcmeJwsOptions {
  /**
   * RFC 8555 §6.2: newAccount (and revokeCert signed by the certificate key) MUST use `jwk`;
   * every other request MUST use `kid`. Leave unset where both are allowed.
   */
  readonly keyReference?: "jwk" | "kid";
}

export interface AcmeJwsVerifierDeps {
  readonly nonces: NonceService;
  readonly resolveAccountKey: AccountKeyResolver;
  readonly keyCache?: AccountKeyCache;
}

export class AcmeJwsVerifier {
  readonly #nonces: NonceService;
  readonly #resolveAccountKey: AccountKeyResolver;
  readonly #keyCache: AccountKeyCache;

  constructor(deps: AcmeJwsVerifierDeps) {
    this.#nonces = deps.nonces;
    this.#resolveAccountKey = deps.resolveAccountKey;
    this.#keyCache = deps.keyCache ?? new AccountKeyCache();
  }

  async verify(request: AcmeJwsRequest, options: VerifyAcmeJwsOptions = {}): Promise<VerifiedAcmeRequest> {
    requireJoseContentType(request.contentType);
    const jws = parseFlattenedJws(request.body);
    const { header } = jws;
    const alg = header["alg"];
    if (typeof alg !== "string") throw malformed("The JWS protected header has no alg.");
    if (!isAcmeJwsAlgorithm(alg)) throw badSignatureAlgorithm(`The JWS algorithm ${JSON.stringify(alg)} is not accepted.`);

    const reference = keyReference(header, options);
    if (reference.kind === "jwk") requireMatchingAlgorithm(alg, reference.jwk);

    this.#spendNonce(header["nonce"]);
    const url = header["url"];
    if (typeof url !== "string") throw malformed("The JWS protected header has no url.");
    if (url !== request.url) {
      throw new AcmeProblem({
        type: "unauthorized",
        status: 403,
        detail: `The JWS url ${JSON.stringify(url)} is not the URL this request was sent to (${request.url}).`,
      });
    }

    const payload = decodePayload(jws.payload);
    const protectedHeader = header as AcmeProtectedHeader;
    if (reference.kind === "jwk") {
      const { jwk } = reference;
      await verifySignature(jws, await importPublicJwk(jwk));
      return { payload, protectedHeader, jwk, thumbprint: jwkThumbprint(jwk) };
    }
    const { kid } = reference;
    const accountKey = await this.#resolveAccountKey(kid);
    if (!accountKey) {
      throw new AcmeProblem({ type: "accountDoesNotExist", status: 400, detail: `No account exists at ${kid}.` });
    }
    const imported = await this.#keyCache.importFor(kid, accountKey);
    if (imported.algorithm !== alg) {
      // The account's own key under a wrong alg is a client's mistake worth naming (§6.2). Any
      // other key — such as the old one after a rollover to another key type (§7.3.5), which
      // x/crypto/acme keeps signing with — is refused like a wrong key of the same type: the
      // signature does not verify, and the account key's type is not revealed.
      if (await signedByAccountKey(jws, imported, alg)) requireMatchingAlgorithm(alg, accountKey);
      throw malformed("The JWS signature does not verify.");
    }
    await verifySignature(jws, imported);
    return { payload, protectedHeader, kid };
  }

  #spendNonce(nonce: unknown): void {
    if (nonce === undefined) throw badNonce("The JWS protected header has no nonce; get one from newNonce.");
    // RFC 8555 §6.5.2: a nonce that is not base64url makes the JWS malformed.
    if (typeof nonce !== "string" || !/^[A-Za-z0-9_-]+$/.test(nonce)) {
      throw malformed("The JWS nonce must be a base64url string.");
    }
    const verdict = this.#nonces.consume(nonce);
    if (verdict !== "ok") throw badNonce(NONCE_REFUSAL[verdict]);
  }
}

const NONCE_REFUSAL: Readonly<Record<Exclude<NonceVerdict, "ok">, string>> = {
  unknown: "The nonce was not issued by this server (or the server restarted); retry with the nonce in this response.",
  expired: "The nonce has expired; retry with the nonce in this response.",
  reused: "The nonce was already used; retry with the nonce in this response.",
  evicted: "The nonce is too old to be checked; retry with the nonce in this response.",
};

/** RFC 8555 §6.2: anything but application/jose+json is refused with 415. */
function requireJoseContentType(contentType: string | undefined): void {
  const mediaType = contentType?.split(";", 1)[0]?.trim().toLowerCase();
  if (mediaType !== JOSE_CONTENT_TYPE) {
    throw malformed(`ACME requests must be sent as Content-Type: ${JOSE_CONTENT_TYPE}.`, 415);
  }
}

type KeyReference = { readonly kind: "jwk"; readonly jwk: AcmePublicJwk } | { readonly kind: "kid"; readonly kid: string };

function keyReference(header: Readonly<Record<string, unknown>>, options: VerifyAcmeJwsOptions): KeyReference {
  const hasJwk = "jwk" in header;
  const hasKid = "kid" in header;
  if (hasJwk === hasKid) throw malformed("The JWS protected header must have exactly one of jwk and kid.");
  if (options.keyReference && options.keyReference !== (hasJwk ? "jwk" : "kid")) {
    throw malformed(
      options.keyReference === "jwk"
        ? "This resource must be requested with the key itself in jwk, not an account kid."
        : "This resource must be requested with an account kid, not an embedded jwk.",
    );
  }
  if (hasJwk) return { kind: "jwk", jwk: parsePublicJwk(header["jwk"]) };
  const kid = header["kid"];
  if (typeof kid !== "string" || kid === "") throw malformed("The JWS kid must be an account URL.");
  return { kind: "kid", kid };
}

function requireMatchingAlgorithm(alg: AcmeJwsAlgorithm, jwk: AcmePublicJwk): void {
  const expected = algorithmForKey(jwk);
  if (alg !== expected) {
    throw badSignatureAlgorithm(`The JWS algorithm ${alg} does not match the ${describeKey(jwk)} key; use ${expected}.`);
  }
}

function describeKey(jwk: AcmePublicJwk): string {
  return jwk.kty === "RSA" ? "RSA" : jwk.crv;
}

/** WebCrypto's verify parameters for each JWS algorithm (RFC 7518 §3.1, RFC 8037 §3.1). */
const WEBCRYPTO_VERIFY: Readonly<Record<AcmeJwsAlgorithm, AlgorithmIdentifier | EcdsaParams>> = {
  RS256: { name: "RSASSA-PKCS1-v1_5" },
  ES256: { name: "ECDSA", hash: "SHA-256" },
  ES384: { name: "ECDSA", hash: "SHA-384" },
  ES512: { name: "ECDSA", hash: "SHA-512" },
  EdDSA: { name: "Ed25519" },
};

/**
 * Whether the account's key made this signature though the header names another alg: under the
 * key's own algorithm (the label alone is wrong), or, for an EC key and an ES* header, under
 * the hash the header names on the key's curve (a client that signs ES256 with a P-384 key).
 */
async function signedByAccountKey(jws: FlattenedJws, imported: ImportedAccountKey, alg: AcmeJwsAlgorithm): Promise<boolean> {
  const signingInput = new TextEncoder().encode(`${jws.protected}.${jws.payload}`);
  const signature = Buffer.from(jws.signature, "base64url");
  const ecdsaKey = imported.algorithm.startsWith("ES");
  const tried = ecdsaKey && alg.startsWith("ES") ? [imported.algorithm, alg] : [imported.algorithm];
  for (const algorithm of tried) {
    if (await crypto.subtle.verify(WEBCRYPTO_VERIFY[algorithm], imported.key, signature, signingInput).catch(() => false)) return true;
  }
  return false;
}

export async function verifySignature(jws: FlattenedJws, imported: ImportedAccountKey): Promise<void> {
  try {
    // The accepted algorithm comes from the key, never from the header alone.
    await flattenedVerify(
      { protected: jws.protected, payload: jws.payload, signature: jws.signature },
      imported.key,
      { algorithms: [imported.algorithm] },
    );
  } catch (error) {
    if (error instanceof errors.JOSEAlgNotAllowed) throw badSignatureAlgorithm("The JWS algorithm is not accepted.");
    if (error instanceof errors.JOSEError) throw malformed("The JWS signature does not verify.");
    throw error;
  }
}
