/**
 * The signature check itself (RFC 7515 §5.2, RFC 7518 §3, RFC 8037 §3.1), with keys and
 * signatures made by node:crypto rather than by a JOSE library, so that the wire form is not the
 * verifier's own: the exact signing input, the P1363 form and length of ECDSA signatures, and the
 * algorithm taken from the key.
 */
import { generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { verifyKeyChange } from "../../src/acme/jws/key-change.js";
import type { AcmeJwsAlgorithm } from "../../src/acme/jws/algorithms.js";
import type { AcmePublicJwk } from "../../src/acme/jws/public-jwk.js";
import { AcmeJwsVerifier } from "../../src/acme/jws/verify-acme-jws.js";
import { NonceService } from "../../src/acme/nonces/nonce-service.js";
import { refusal } from "./jws-fixtures.js";

const URL_NEW_ACCOUNT = "https://acme.corp.internal/acme/newAccount";
const URL_ORDER = "https://acme.corp.internal/acme/order/1";
const URL_KEY_CHANGE = "https://acme.corp.internal/acme/keyChange";
const KID = "https://acme.corp.internal/acme/acct/1";
const JOSE = "application/jose+json";

interface NodeKey {
  readonly alg: AcmeJwsAlgorithm;
  readonly privateKey: KeyObject;
  readonly publicJwk: AcmePublicJwk;
}

function nodeKey(alg: AcmeJwsAlgorithm): NodeKey {
  const pair =
    alg === "RS256"
      ? generateKeyPairSync("rsa", { modulusLength: 2048 })
      : alg === "EdDSA"
        ? generateKeyPairSync("ed25519")
        : generateKeyPairSync("ec", { namedCurve: { ES256: "P-256", ES384: "P-384", ES512: "P-521" }[alg] });
  return { alg, privateKey: pair.privateKey, publicJwk: pair.publicKey.export({ format: "jwk" }) as AcmePublicJwk };
}

const DIGEST: Record<AcmeJwsAlgorithm, string | null> = { RS256: "sha256", ES256: "sha256", ES384: "sha384", ES512: "sha512", EdDSA: null };

/** The raw signature of `key` over `input`, ECDSA in the JWS form (R || S) unless told otherwise. */
function rawSignature(key: NodeKey, input: string, dsaEncoding: "ieee-p1363" | "der" = "ieee-p1363"): Buffer {
  return sign(DIGEST[key.alg], Buffer.from(input), key.alg.startsWith("ES") ? { key: key.privateKey, dsaEncoding } : key.privateKey);
}

const b64u = (text: string | Buffer): string => Buffer.from(text).toString("base64url");

interface Parts {
  protected: string;
  payload: string;
  signature: string;
}

/** A flattened JWS with the protected header sent exactly as `headerText`. */
function flattened(key: NodeKey, headerText: string, payloadText = ""): Parts {
  const parts = { protected: b64u(headerText), payload: payloadText === "" ? "" : b64u(payloadText) };
  return { ...parts, signature: b64u(rawSignature(key, `${parts.protected}.${parts.payload}`)) };
}

function header(key: NodeKey, nonce: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { alg: key.alg, nonce, url: URL_NEW_ACCOUNT, jwk: key.publicJwk, ...extra };
}

function setup(accounts: Record<string, AcmePublicJwk> = {}) {
  const nonces = new NonceService({ clock: () => new Date() });
  const verifier = new AcmeJwsVerifier({ nonces, resolveAccountKey: async (kid) => accounts[kid] ?? null });
  const verify = (jws: Parts, url = URL_NEW_ACCOUNT) => verifier.verify({ body: JSON.stringify(jws), url, contentType: JOSE });
  return { nonce: () => nonces.issue(), verify };
}

const flipBit = (signature: string): string => {
  const bytes = Buffer.from(signature, "base64url");
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0x01;
  return bytes.toString("base64url");
};

const badSignature = { type: "urn:ietf:params:acme:error:malformed", status: 400 };

let es256: NodeKey;
let es384: NodeKey;
let es512: NodeKey;
let rs256: NodeKey;
let eddsa: NodeKey;

beforeAll(() => {
  [es256, es384, es512, rs256, eddsa] = (["ES256", "ES384", "ES512", "RS256", "EdDSA"] as const).map(nodeKey) as [NodeKey, NodeKey, NodeKey, NodeKey, NodeKey];
});

describe("signatures made outside any JOSE library", () => {
  it.each(["ES256", "ES384", "ES512", "RS256", "EdDSA"] as const)("accepts a %s request and refuses it with one bit of the signature flipped", async (alg) => {
    const key = { ES256: es256, ES384: es384, ES512: es512, RS256: rs256, EdDSA: eddsa }[alg];
    const { nonce, verify } = setup();
    const good = flattened(key, JSON.stringify(header(key, nonce())), JSON.stringify({ termsOfServiceAgreed: true }));
    expect((await verify(good)).payload).toEqual({ termsOfServiceAgreed: true });

    const tampered = flattened(key, JSON.stringify(header(key, nonce())));
    const problem = await refusal(verify({ ...tampered, signature: flipBit(tampered.signature) }));
    expect(problem).toMatchObject(badSignature);
    expect(problem.detail).toMatch(/signature does not verify/);
  });

  it("checks the signature over the protected header exactly as sent, not a re-encoding of it", async () => {
    const { nonce, verify } = setup();
    // A client may serialise its header with whitespace and any member order: that text is what it signed.
    const spaced = JSON.stringify({ url: URL_NEW_ACCOUNT, nonce: nonce(), jwk: es256.publicJwk, alg: "ES256" }, null, 2);
    expect(await verify(flattened(es256, spaced))).toMatchObject({ payload: "" });

    // Signed over the compact re-encoding of the header, sent with whitespace: not what was signed.
    const fields = header(es256, nonce());
    const signedCompact = flattened(es256, JSON.stringify(fields));
    const sentSpaced = { ...signedCompact, protected: b64u(JSON.stringify(fields, null, 1)) };
    expect(await refusal(verify(sentSpaced))).toMatchObject(badSignature);
  });

  it("refuses an ES256 signature in DER form, which is not the JWS form (RFC 7518 §3.4)", async () => {
    const { nonce, verify } = setup();
    const jws = flattened(es256, JSON.stringify(header(es256, nonce())));
    const der = rawSignature(es256, `${jws.protected}.${jws.payload}`, "der");
    const problem = await refusal(verify({ ...jws, signature: b64u(der) }));
    expect(problem).toMatchObject(badSignature);
  });

  it("refuses a 63- or 65-byte ES256 signature and a short RS256 one as malformed, not as a server error", async () => {
    const { nonce, verify } = setup();
    for (const resize of [(s: Buffer) => s.subarray(1), (s: Buffer) => Buffer.concat([Buffer.from([0]), s])]) {
      const jws = flattened(es256, JSON.stringify(header(es256, nonce())));
      const problem = await refusal(verify({ ...jws, signature: b64u(resize(Buffer.from(jws.signature, "base64url"))) }));
      expect(problem).toMatchObject(badSignature);
    }
    const rsa = flattened(rs256, JSON.stringify(header(rs256, nonce())));
    expect(await refusal(verify({ ...rsa, signature: b64u(Buffer.from(rsa.signature, "base64url").subarray(1)) }))).toMatchObject(badSignature);
  });

  it("refuses an ES384 account key used with alg ES256 as badSignatureAlgorithm, by jwk and by kid", async () => {
    const { nonce, verify } = setup({ [KID]: es384.publicJwk });
    const byJwk = flattened(es384, JSON.stringify(header(es384, nonce(), { alg: "ES256" })));
    const byKid = flattened(es384, JSON.stringify({ alg: "ES256", nonce: nonce(), url: URL_ORDER, kid: KID }));
    for (const [jws, url] of [[byJwk, URL_NEW_ACCOUNT], [byKid, URL_ORDER]] as const) {
      expect(await refusal(verify(jws, url))).toMatchObject({ type: "urn:ietf:params:acme:error:badSignatureAlgorithm", status: 400 });
    }
  });

  it("names the account key's algorithm when the account's P-384 key signed with the SHA-256 its ES256 header names", async () => {
    const { nonce, verify } = setup({ [KID]: es384.publicJwk });
    const protectedHeader = b64u(JSON.stringify({ alg: "ES256", nonce: nonce(), url: URL_ORDER, kid: KID }));
    const signature = sign("sha256", Buffer.from(`${protectedHeader}.`), { key: es384.privateKey, dsaEncoding: "ieee-p1363" });
    expect(await refusal(verify({ protected: protectedHeader, payload: "", signature: b64u(signature) }, URL_ORDER))).toMatchObject({
      type: "urn:ietf:params:acme:error:badSignatureAlgorithm",
      detail: expect.stringContaining("use ES384") as string,
    });
  });

  it("refuses an EC key whose point is not on its curve as badPublicKey", async () => {
    const { nonce, verify } = setup();
    const jwk = es256.publicJwk as { x: string; y: string };
    const y = Buffer.from(jwk.y, "base64url");
    y[31] = (y[31] ?? 0) ^ 0x01;
    const offCurve = { ...es256.publicJwk, y: b64u(y) };
    const jws = flattened(es256, JSON.stringify(header(es256, nonce(), { jwk: offCurve })));
    expect(await refusal(verify(jws))).toMatchObject({ type: "urn:ietf:params:acme:error:badPublicKey", status: 400 });
  });
});

describe("the keyChange inner JWS (RFC 8555 §7.3.5)", () => {
  const innerFor = (newKey: NodeKey, oldKey: NodeKey, alg: string = newKey.alg): Parts =>
    flattened(
      newKey,
      JSON.stringify({ alg, jwk: newKey.publicJwk, url: URL_KEY_CHANGE }),
      JSON.stringify({ account: KID, oldKey: oldKey.publicJwk }),
    );

  it.each(["RS256", "EdDSA", "ES384"] as const)("accepts an inner JWS signed by a new %s key", async (alg) => {
    const newKey = { RS256: rs256, EdDSA: eddsa, ES384: es384 }[alg];
    const change = await verifyKeyChange(innerFor(newKey, es256), URL_KEY_CHANGE, KID);
    expect(change.newKey).toEqual(newKey.publicJwk);
  });

  it("refuses an inner signature with a flipped bit or in DER form as malformed", async () => {
    const inner = innerFor(es256, eddsa);
    expect(await refusal(verifyKeyChange({ ...inner, signature: flipBit(inner.signature) }, URL_KEY_CHANGE, KID))).toMatchObject(badSignature);
    const der = b64u(rawSignature(es256, `${inner.protected}.${inner.payload}`, "der"));
    expect(await refusal(verifyKeyChange({ ...inner, signature: der }, URL_KEY_CHANGE, KID))).toMatchObject(badSignature);
  });

  it("refuses a new ES384 key with alg ES256 as badSignatureAlgorithm", async () => {
    expect(await refusal(verifyKeyChange(innerFor(es384, es256, "ES256"), URL_KEY_CHANGE, KID))).toMatchObject({
      type: "urn:ietf:params:acme:error:badSignatureAlgorithm",
    });
  });
});
