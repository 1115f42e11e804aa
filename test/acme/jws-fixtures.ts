/** Test helpers: account keys generated with jose and ACME request bodies signed with them. */
import { createHmac } from "node:crypto";
import { exportJWK, FlattenedSign, generateKeyPair, type JWK, type JWSHeaderParameters } from "jose";
import type { AcmeJwsAlgorithm } from "../../src/acme/jws/algorithms.js";
import type { AcmePublicJwk } from "../../src/acme/jws/public-jwk.js";
import { AcmeProblem, problemDocument } from "../../src/http/problem.js";

export interface TestAccountKey {
  readonly alg: AcmeJwsAlgorithm;
  readonly privateKey: CryptoKey;
  readonly publicJwk: AcmePublicJwk;
  readonly privateJwk: JWK;
}

export async function accountKey(alg: AcmeJwsAlgorithm): Promise<TestAccountKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}) });
  return {
    alg,
    privateKey,
    publicJwk: (await exportJWK(publicKey)) as AcmePublicJwk,
    privateJwk: await exportJWK(privateKey),
  };
}

export interface SignOptions {
  readonly url: string;
  readonly nonce?: string | undefined;
  /** Default: the key's public JWK in `jwk`. */
  readonly kid?: string;
  /** Extra or overriding protected header members. */
  readonly header?: Readonly<Record<string, unknown>>;
  /** Default: POST-as-GET (empty payload). */
  readonly payload?: unknown;
}

/** A flattened JSON JWS as an ACME client sends it, signed by jose. */
export async function signedBody(key: TestAccountKey, options: SignOptions): Promise<string> {
  const payload = options.payload === undefined ? new Uint8Array() : new TextEncoder().encode(JSON.stringify(options.payload));
  const header: JWSHeaderParameters = {
    alg: key.alg,
    url: options.url,
    ...(options.nonce !== undefined ? { nonce: options.nonce } : {}),
    ...(options.kid !== undefined ? { kid: options.kid } : { jwk: key.publicJwk }),
    ...options.header,
  };
  const jws = await new FlattenedSign(payload).setProtectedHeader(header).sign(key.privateKey);
  return JSON.stringify(jws);
}

export function b64u(value: unknown): string {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}

/**
 * A JWS "signed" with HMAC-SHA-256 keyed by the account's public key: the algorithm-confusion
 * attack a verifier that trusts the header's alg would accept.
 */
export function hs256WithPublicKey(key: TestAccountKey, header: Readonly<Record<string, unknown>>): string {
  const protectedPart = b64u({ ...header, alg: "HS256" });
  const secret = JSON.stringify(key.publicJwk);
  const signature = createHmac("sha256", secret).update(`${protectedPart}.`).digest("base64url");
  return JSON.stringify({ protected: protectedPart, payload: "", signature });
}

/** The problem a refused verification throws, as its wire document; anything else fails the test. */
export async function refusal(promise: Promise<unknown>): Promise<ReturnType<typeof problemDocument>> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof AcmeProblem)) throw new Error(`expected an ACME problem, got ${error === undefined ? "success" : String(error)}`);
  return problemDocument(error);
}
