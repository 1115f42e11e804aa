/**
 * The bench's hand-rolled client must speak correct ACME, or the figures it prints describe
 * error paths: its JWS must verify with an independent implementation (jose), its thumbprint must
 * be the RFC 7638 one, and its CSRs must pass Certeasy's own finalize check for exactly the
 * order's identifier.
 */
import { calculateJwkThumbprint, decodeProtectedHeader, flattenedVerify, importJWK } from "jose";
import { describe, expect, it } from "vitest";
import { checkCsr } from "../../../src/acme/csr/index.js";
import { jwkSpkiSha256 } from "../../../src/acme/jws/jwk-spki.js";
import { generateAccountKey, POST_AS_GET } from "./account-key.js";
import { generateCertificateKey } from "./csr.js";

describe("bench account key", () => {
  const key = generateAccountKey();

  it("signs a JWS that jose verifies, with the payload and protected header an ACME server reads", async () => {
    const body = JSON.parse(key.signedBody("https://localhost/acme/newOrder", "nonce-1", { identifiers: [{ type: "dns", value: "a.test" }] }, "https://localhost/acme/acct/1")) as Parameters<typeof flattenedVerify>[0];
    const verified = await flattenedVerify(body, await importJWK({ ...key.jwk }, "ES256"));
    expect(JSON.parse(new TextDecoder().decode(verified.payload))).toEqual({ identifiers: [{ type: "dns", value: "a.test" }] });
    expect(verified.protectedHeader).toEqual({ alg: "ES256", kid: "https://localhost/acme/acct/1", nonce: "nonce-1", url: "https://localhost/acme/newOrder" });
  });

  it("sends its public key as jwk when there is no account yet, and an empty payload for POST-as-GET", async () => {
    const body = JSON.parse(key.signedBody("https://localhost/acme/authz/1", "nonce-2", POST_AS_GET)) as { protected: string; payload: string; signature: string };
    expect(body.payload).toBe("");
    expect(decodeProtectedHeader(body).jwk).toEqual(key.jwk);
    await expect(flattenedVerify(body, await importJWK({ ...key.jwk }, "ES256"))).resolves.toBeDefined();
  });

  it("computes the RFC 7638 thumbprint used in key authorizations", async () => {
    expect(key.thumbprint).toBe(await calculateJwkThumbprint({ ...key.jwk }, "sha256"));
  });
});

describe("bench CSR", () => {
  const certificateKey = generateCertificateKey();
  const accountKeySpki = jwkSpkiSha256({ ...generateAccountKey().jwk });

  it("passes Certeasy's finalize check for the order's identifier", () => {
    const check = checkCsr(certificateKey.csrFor("o1.bench.test"), [{ type: "dns", value: "o1.bench.test" }], accountKeySpki);
    expect(check.ok).toBe(true);
    if (check.ok) expect(check.csr).toMatchObject({ identifiers: [{ type: "dns", value: "o1.bench.test" }], commonName: "o1.bench.test", keyType: { kind: "EC", curve: "P-256" } });
  });

  it("names only its own identifier: another order's CSR is refused", () => {
    const check = checkCsr(certificateKey.csrFor("o2.bench.test"), [{ type: "dns", value: "o1.bench.test" }], accountKeySpki);
    expect(check.ok).toBe(false);
  });
});
