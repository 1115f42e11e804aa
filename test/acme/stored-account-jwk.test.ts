/**
 * The stored account key is parsed once per distinct text, and a key rollover (RFC 8555 §7.3.5)
 * — a new text — is seen at once by the JWS verifier, also when the new key has the same type
 * and algorithm as the old one (so only the signature can tell them apart).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { AccountKeyCache } from "../../src/acme/jws/account-key-cache.js";
import { storedAccountJwkReader } from "../../src/acme/jws/stored-account-jwk.js";
import { AcmeJwsVerifier } from "../../src/acme/jws/verify-acme-jws.js";
import { NonceService } from "../../src/acme/nonces/nonce-service.js";
import { AcmeProblem, problemDocument } from "../../src/http/problem.js";
import { accountKey, signedBody, type TestAccountKey } from "./jws-fixtures.js";

const URL_ORDER = "https://acme.corp.internal/acme/order/1";
const KID = "https://acme.corp.internal/acme/acct/1";

let first: TestAccountKey;
let second: TestAccountKey;

beforeAll(async () => {
  [first, second] = await Promise.all([accountKey("ES256"), accountKey("ES256")]);
});

describe("storedAccountJwkReader", () => {
  it("parses a stored key once, into a frozen object, and a different text afresh", () => {
    const read = storedAccountJwkReader();
    const text = JSON.stringify(first.publicJwk);
    const parsed = read(text);
    expect(parsed).toEqual(first.publicJwk);
    expect(Object.isFrozen(parsed)).toBe(true);
    expect(read(text)).toBe(parsed);
    expect(read(JSON.stringify(second.publicJwk))).toEqual(second.publicJwk);
  });

  it("refuses what is not a public key, every time, and stays bounded", () => {
    const read = storedAccountJwkReader(2);
    const secret = JSON.stringify({ ...first.publicJwk, d: "AAAA" });
    for (let i = 0; i < 2; i++) expect(() => read(secret)).toThrow(AcmeProblem);
    const a = read(JSON.stringify(first.publicJwk));
    read(JSON.stringify(second.publicJwk));
    read(JSON.stringify({ ...second.publicJwk, extra: 1 }));
    // the oldest text was forgotten: parsed again, equal but not the same object
    const again = read(JSON.stringify(first.publicJwk));
    expect(again).toEqual(a);
    expect(again).not.toBe(a);
  });

  it("lets the verifier see a rollover to another key of the same algorithm at once", async () => {
    const nonces = new NonceService({ clock: () => new Date() });
    const read = storedAccountJwkReader();
    let stored = JSON.stringify(first.publicJwk);
    const cache = new AccountKeyCache();
    const verifier = new AcmeJwsVerifier({ nonces, resolveAccountKey: async () => read(stored), keyCache: cache });
    const verify = async (key: TestAccountKey) =>
      verifier.verify({ body: await signedBody(key, { url: URL_ORDER, nonce: nonces.issue(), kid: KID }), url: URL_ORDER, contentType: "application/jose+json" });

    await verify(first);
    await verify(first);
    stored = JSON.stringify(second.publicJwk);
    const refused = await verify(first).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(AcmeProblem);
    expect(problemDocument(refused as AcmeProblem)).toMatchObject({ type: "urn:ietf:params:acme:error:malformed", detail: "The JWS signature does not verify." });
    await expect(verify(second)).resolves.toMatchObject({ kid: KID });
    expect(cache.size).toBe(1);
  });
});
