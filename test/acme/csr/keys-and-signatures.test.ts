import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkCsr, DEFAULT_CSR_POLICY, type CsrIdentifier } from "../../../src/acme/csr/index.js";
import { buildCsr, OID, signatureAlgorithmFor, type TestKey } from "./support/build-csr.js";
import { bits, concat, int, nul, oid, seq, tlv } from "./support/der-encode.js";
import { expectAccepted, expectRefused } from "./support/expect-refusal.js";
import { ACCOUNT, ed25519, key, p256, p384, p521, rsa } from "./support/keys.js";

const order: CsrIdentifier[] = [{ type: "dns", value: "example.com" }];
const check = (der: Uint8Array, policy = DEFAULT_CSR_POLICY) => checkCsr(der, order, ACCOUNT, policy);

/** An RSA SPKI around a given modulus and exponent (the signature is made with another key). */
const rsaSpki = (modulus: Uint8Array, exponent: number | bigint, parameters: Uint8Array[] = [nul()]): Uint8Array =>
  seq(seq(oid("1.2.840.113549.1.1.1"), ...parameters), bits(seq(unsigned(modulus), int(exponent))));

const unsigned = (magnitude: Uint8Array): Uint8Array => tlv(0x02, ((magnitude[0] ?? 0) & 0x80) !== 0 ? concat(Uint8Array.of(0), magnitude) : magnitude);

const modulusOf = (testKey: TestKey): Uint8Array => Buffer.from(testKey.publicKey.export({ format: "jwk" }).n ?? "", "base64url");

describe("public keys", () => {
  it("refuses curves outside the policy, and accepts P-521 with ECDSA-SHA512 once the policy allows both", () => {
    const der = buildCsr({ key: p521(), hash: "sha512" });
    expectRefused(check(der), /P-521 keys are not allowed by the issuance policy \(allowed curves: P-256, P-384\)/);
    const policy = { ...DEFAULT_CSR_POLICY, allowedEcCurves: ["P-521"] as const, allowedAlgorithms: ["ECDSA-SHA512"] as const };
    expect(expectAccepted(check(der, policy)).keyType).toEqual({ kind: "EC", curve: "P-521" });
  });

  it("refuses a curve it does not know, naming it", () => {
    expectRefused(check(buildCsr({ key: key({ kind: "ec", curve: "secp256k1" }) })), /EC curve secp256k1 \(1\.3\.132\.0\.10\) is not accepted/);
  });

  it("refuses Ed25519 when the policy does not list ED25519", () => {
    const policy = { ...DEFAULT_CSR_POLICY, allowedAlgorithms: DEFAULT_CSR_POLICY.allowedAlgorithms.filter((a) => a !== "ED25519") };
    expectRefused(check(buildCsr({ key: ed25519() }), policy), /Ed25519 keys are not allowed by the issuance policy/);
  });

  it("refuses RSA-PSS keys with a clear message", () => {
    const pair = generateKeyPairSync("rsa-pss", { modulusLength: 2048 });
    const spki = new Uint8Array(pair.publicKey.export({ format: "der", type: "spki" }));
    expectRefused(check(buildCsr({ key: rsa(3072), spki })), /RSA-PSS public keys .* are not accepted; use a plain RSA key/);
  });

  it("refuses DSA and other key types by name", () => {
    const dsaSpki = seq(seq(oid("1.2.840.10040.4.1"), seq(int(23), int(11), int(4))), bits(int(5)));
    expectRefused(check(buildCsr({ key: p256(), spki: dsaSpki })), /public key algorithm DSA \(1\.2\.840\.10040\.4\.1\) is not accepted/);
  });

  it("refuses RSA moduli above 8192 bits", () => {
    const huge = Uint8Array.from({ length: 1025 }, (_, i) => (i === 0 ? 0x01 : 0xa5)); // 8193 bits
    expectRefused(check(buildCsr({ key: rsa(3072), spki: rsaSpki(huge, 65537) })), /RSA key has 8193 bits; at most 8192 are accepted/);
  });

  it.each([
    ["even", 65536n],
    ["1", 1n],
    ["2^256 + 1", 2n ** 256n + 1n],
  ])("refuses an RSA public exponent of %s", (_label, exponent) => {
    expectRefused(check(buildCsr({ key: rsa(3072), spki: rsaSpki(modulusOf(rsa(3072)), exponent) })), /RSA public exponent must be an odd number from 3/);
  });

  it("accepts an RSA exponent of 3 (odd, at least 3)", () => {
    const e3 = key({ kind: "rsa", bits: 3072, exponent: 3 });
    expectAccepted(check(buildCsr({ key: e3 })));
  });

  it("refuses an rsaEncryption key without its NULL parameters (RFC 3279)", () => {
    expectRefused(check(buildCsr({ key: rsa(3072), spki: rsaSpki(modulusOf(rsa(3072)), 65537, []) })), /must carry NULL parameters/);
  });

  it("refuses a compressed EC point", () => {
    const jwk = p256().publicKey.export({ format: "jwk" });
    const x = Buffer.from(jwk.x ?? "", "base64url");
    const yOdd = (Buffer.from(jwk.y ?? "", "base64url").at(-1) ?? 0) & 1;
    const compressed = seq(seq(oid("1.2.840.10045.2.1"), oid("1.2.840.10045.3.1.7")), bits(concat(Uint8Array.of(2 + yOdd), x)));
    expectRefused(check(buildCsr({ key: p256(), spki: compressed })), /P-256 public key must be an uncompressed point/);
  });

  it.each([
    ["P-256", "1.2.840.10045.3.1.7", 32],
    ["P-384", "1.3.132.0.34", 48],
  ] as const)("refuses a %s point that is not on the curve", (curve, curveOid, size) => {
    const offCurve = concat(Uint8Array.of(4), new Uint8Array(size).fill(1), new Uint8Array(size).fill(2));
    const spki = seq(seq(oid("1.2.840.10045.2.1"), oid(curveOid)), bits(offCurve));
    expectRefused(check(buildCsr({ key: p256(), spki })), new RegExp(`public key is not a valid ${curve} key`));
  });

  it("refuses a CSR for the account key itself (RFC 8555 §11.1), whatever the hex case", () => {
    const testKey = p256();
    const der = buildCsr({ key: testKey });
    expectRefused(checkCsr(der, order, testKey.spkiSha256, DEFAULT_CSR_POLICY), /uses the account key/);
    expectRefused(checkCsr(der, order, testKey.spkiSha256.toUpperCase()), /uses the account key/);
  });
});

describe("signatures", () => {
  it("refuses a tampered signature", () => {
    const der = buildCsr({ key: p256(), mangleSignature: (signature) => signature.map((b, i) => (i === signature.length - 1 ? b ^ 1 : b)) });
    expectRefused(check(der), /signature does not verify with the CSR's own public key/);
  });

  it("refuses an RSA signature of the wrong length", () => {
    expectRefused(check(buildCsr({ key: rsa(3072), mangleSignature: (signature) => signature.subarray(1) })), /signature does not verify/);
  });

  it("refuses a CSR whose signed content was changed after signing", () => {
    const der = buildCsr({ key: rsa(3072), names: ["example.com"] });
    const at = Buffer.from(der).indexOf("example.com");
    const changed = Uint8Array.from(der, (b, i) => (i === at ? "f".charCodeAt(0) : b)); // fxample.com
    expectRefused(check(changed), /signature does not verify/);
  });

  it("refuses RSA-PSS signatures with a clear message", () => {
    const pss = seq(oid("1.2.840.113549.1.1.10"), seq());
    expectRefused(check(buildCsr({ key: rsa(3072), signatureAlgorithm: pss })), /RSA-PSS CSR signatures are not accepted/);
  });

  it("refuses SHA-1 signatures by name", () => {
    expectRefused(check(buildCsr({ key: rsa(3072), signatureAlgorithm: seq(oid("1.2.840.113549.1.1.5"), nul()) })), /sha1WithRSAEncryption \(1\.2\.840\.113549\.1\.1\.5\) is not accepted/);
  });

  it("refuses an algorithm that does not fit the key", () => {
    expectRefused(check(buildCsr({ key: p256(), signatureAlgorithm: signatureAlgorithmFor(rsa(3072)) })), /signed with RSA-SHA256, which does not fit its EC public key/);
  });

  it("refuses an algorithm the policy does not list (ECDSA-SHA512 by default)", () => {
    expectRefused(check(buildCsr({ key: p256(), hash: "sha512" })), /ECDSA-SHA512 is not allowed by the issuance policy/);
  });

  it("accepts RSA PKCS#1 v1.5 without parameters too (RFC 4055 §5), but ECDSA only without them", () => {
    expectAccepted(check(buildCsr({ key: rsa(3072), signatureAlgorithm: seq(oid(OID.sha256WithRsa)) })));
    expectRefused(check(buildCsr({ key: p384(), hash: "sha384", signatureAlgorithm: seq(oid(OID.ecdsaSha384), nul()) })), /ECDSA-SHA384 must not carry parameters/);
  });

  it("refuses an ECDSA signature that is BER rather than DER", () => {
    // Re-encode r with a superfluous leading zero: the same number, a non-minimal INTEGER.
    const padR = (signature: Uint8Array): Uint8Array => {
      const rLength = signature[3] as number;
      const r = signature.subarray(4, 4 + rLength);
      const rest = signature.subarray(4 + rLength);
      return seq(tlv(0x02, Uint8Array.of(0, 0), r.subarray(r[0] === 0 ? 1 : 0)), rest);
    };
    expectRefused(check(buildCsr({ key: p256(), mangleSignature: padR })), /ECDSA signature value r is an INTEGER with a non-minimal encoding/);
  });
});
