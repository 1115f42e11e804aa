/**
 * An ES256 account key (RFC 8555 §6.2, RFC 7518 §3.4) and the flattened JWS an ACME client sends,
 * signed with node:crypto directly. jose or acme-client would cost the load generator more CPU
 * than the server spends per request, and the bench would end up measuring itself.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";

/** The public P-256 JWK members, in the lexicographic order RFC 7638 §3.2 hashes them in. */
export interface EcPublicJwk {
  readonly crv: "P-256";
  readonly kty: "EC";
  readonly x: string;
  readonly y: string;
}

export interface AccountKey {
  readonly jwk: EcPublicJwk;
  /** RFC 7638 thumbprint, base64url: the second half of every key authorization (RFC 8555 §8.1) */
  readonly thumbprint: string;
  /** RFC 8555 §6.2: `jwk` for newAccount, `kid` (the account URL) for everything else */
  signedBody(url: string, nonce: string, payload: unknown, kid?: string): string;
}

/** The empty payload of a POST-as-GET (RFC 8555 §6.3), as opposed to `{}`. */
export const POST_AS_GET: unique symbol = Symbol("POST-as-GET");

export function generateAccountKey(): AccountKey {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const exported = publicKey.export({ format: "jwk" });
  const jwk: EcPublicJwk = { crv: "P-256", kty: "EC", x: String(exported.x), y: String(exported.y) };
  const thumbprint = createHash("sha256").update(JSON.stringify(jwk)).digest("base64url");
  const jwkHeader = JSON.stringify(jwk);
  return {
    jwk,
    thumbprint,
    signedBody: (url, nonce, payload, kid) => {
      // Built as text: the members are fixed, and JSON.stringify of a header object per request is
      // measurable at thousands of requests per second.
      const keyMember = kid === undefined ? `"jwk":${jwkHeader}` : `"kid":${JSON.stringify(kid)}`;
      const protectedB64 = Buffer.from(`{"alg":"ES256",${keyMember},"nonce":${JSON.stringify(nonce)},"url":${JSON.stringify(url)}}`).toString("base64url");
      const payloadB64 = payload === POST_AS_GET ? "" : Buffer.from(JSON.stringify(payload)).toString("base64url");
      return `{"protected":"${protectedB64}","payload":"${payloadB64}","signature":"${es256(privateKey, `${protectedB64}.${payloadB64}`)}"}`;
    },
  };
}

/** RFC 7518 §3.4: the signature is R ‖ S, 32 bytes each, not the DER SEQUENCE OpenSSL makes. */
function es256(privateKey: KeyObject, signingInput: string): string {
  return sign("sha256", Buffer.from(signingInput), { key: privateKey, dsaEncoding: "ieee-p1363" }).toString("base64url");
}
