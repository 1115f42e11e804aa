import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { FlattenedSign } from "jose";
import { describe, expect, it } from "vitest";
import type { AcmeJwsAlgorithm } from "../../src/acme/jws/algorithms.js";
import { importAccountPublicKey, jwsSignatureVerifies } from "../../src/acme/jws/jws-signature.js";
import { parsePublicJwk } from "../../src/acme/jws/public-jwk.js";

const KEYS: readonly [AcmeJwsAlgorithm, () => { publicKey: KeyObject; privateKey: KeyObject }][] = [
  ["RS256", () => generateKeyPairSync("rsa", { modulusLength: 2048 })],
  ["ES256", () => generateKeyPairSync("ec", { namedCurve: "P-256" })],
  ["ES384", () => generateKeyPairSync("ec", { namedCurve: "P-384" })],
  ["ES512", () => generateKeyPairSync("ec", { namedCurve: "P-521" })],
  ["EdDSA", () => generateKeyPairSync("ed25519")],
];

describe("JWS signature check with an account key", () => {
  it.each(KEYS)("accepts what jose signs with %s, and refuses a changed payload or another key's signature", async (alg, generate) => {
    const { publicKey, privateKey } = generate();
    const other = generate();
    const key = importAccountPublicKey(parsePublicJwk(publicKey.export({ format: "jwk" })));
    const jws = await new FlattenedSign(new TextEncoder().encode('{"status":"deactivated"}'))
      .setProtectedHeader({ alg, nonce: "n", url: "https://acme.test/acme/acct/1" })
      .sign(privateKey);
    const forged = await new FlattenedSign(new TextEncoder().encode('{"status":"deactivated"}'))
      .setProtectedHeader({ alg, nonce: "n", url: "https://acme.test/acme/acct/1" })
      .sign(other.privateKey);
    expect(jwsSignatureVerifies(jws.protected ?? "", jws.payload, jws.signature, key, alg)).toBe(true);
    expect(jwsSignatureVerifies(jws.protected ?? "", Buffer.from("{}").toString("base64url"), jws.signature, key, alg)).toBe(false);
    expect(jwsSignatureVerifies(forged.protected ?? "", forged.payload, forged.signature, key, alg)).toBe(false);
  });

  it("refuses an ECDSA signature in DER form (RFC 7518 §3.4 requires R ‖ S)", () => {
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const key = importAccountPublicKey(parsePublicJwk(publicKey.export({ format: "jwk" })));
    const protectedPart = Buffer.from('{"alg":"ES256"}').toString("base64url");
    const payload = Buffer.from("{}").toString("base64url");
    const der = sign("sha256", Buffer.from(`${protectedPart}.${payload}`), privateKey).toString("base64url");
    expect(jwsSignatureVerifies(protectedPart, payload, der, key, "ES256")).toBe(false);
  });
});
