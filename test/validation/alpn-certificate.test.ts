import { createHash, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { beforeAll, describe, expect, it } from "vitest";
import { alpnCertificateProblem } from "../../src/validation/alpn-certificate.js";

const SIGNING = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const KEY_AUTHORIZATION = "token.thumbprint";
let keys: CryptoKeyPair;

beforeAll(async () => {
  keys = await webcrypto.subtle.generateKey(SIGNING, true, ["sign", "verify"]);
});

function acmeIdentifier(value: Uint8Array, critical = true): x509.Extension {
  return new x509.Extension("1.3.6.1.5.5.7.1.31", critical, Buffer.concat([Buffer.from([0x04, value.length]), value]));
}

const digest = createHash("sha256").update(KEY_AUTHORIZATION).digest();

async function certificate(names: x509.JsonGeneralName[], ...extra: x509.Extension[]): Promise<Uint8Array> {
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: "CN=test",
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 3_600_000),
    signingAlgorithm: SIGNING,
    keys,
    extensions: [new x509.SubjectAlternativeNameExtension(names), ...extra],
  });
  return new Uint8Array(cert.rawData);
}

describe("the tls-alpn-01 certificate (RFC 8737 §3)", () => {
  it("accepts the identifier's dNSName, in any letter case", async () => {
    const der = await certificate([{ type: "dns", value: "WWW.A.Test" }], acmeIdentifier(digest));
    expect(alpnCertificateProblem(der, { type: "dns", value: "www.a.test" }, KEY_AUTHORIZATION)).toBeUndefined();
  });

  it("accepts an iPAddress SAN for an IP identifier, compared as bytes", async () => {
    const der = await certificate([{ type: "ip", value: "2001:db8::1" }], acmeIdentifier(digest));
    expect(alpnCertificateProblem(der, { type: "ip", value: "2001:db8::1" }, KEY_AUTHORIZATION)).toBeUndefined();
  });

  it("refuses a dNSName spelling the address for an IP identifier, and an iPAddress for a name", async () => {
    const dnsSan = await certificate([{ type: "dns", value: "127.0.0.1" }], acmeIdentifier(digest));
    expect(alpnCertificateProblem(dnsSan, { type: "ip", value: "127.0.0.1" }, KEY_AUTHORIZATION)).toBe(
      `the certificate's subjectAltName is DNS:"127.0.0.1", not 127.0.0.1`,
    );
    const ipSan = await certificate([{ type: "ip", value: "127.0.0.1" }], acmeIdentifier(digest));
    expect(alpnCertificateProblem(ipSan, { type: "dns", value: "a.test" }, KEY_AUTHORIZATION)).toBe(
      "the certificate's subjectAltName is IP:127.0.0.1, not a.test",
    );
  });

  it("counts SANs of every type, not only DNS names", async () => {
    const der = await certificate([{ type: "dns", value: "a.test" }, { type: "email", value: "x@a.test" }], acmeIdentifier(digest));
    expect(alpnCertificateProblem(der, { type: "dns", value: "a.test" }, KEY_AUTHORIZATION)).toContain("has 2 subjectAltNames");
  });

  it("refuses a digest of the wrong size and a duplicated acmeIdentifier", async () => {
    const short = await certificate([{ type: "dns", value: "a.test" }], acmeIdentifier(digest.subarray(0, 31)));
    expect(alpnCertificateProblem(short, { type: "dns", value: "a.test" }, KEY_AUTHORIZATION)).toBe(
      "the acmeIdentifier extension holds 31 bytes, not a 32-byte SHA-256 digest",
    );
    const twice = await certificate([{ type: "dns", value: "a.test" }], acmeIdentifier(digest), acmeIdentifier(digest));
    expect(alpnCertificateProblem(twice, { type: "dns", value: "a.test" }, KEY_AUTHORIZATION)).toContain("has 2 acmeIdentifier");
  });

  it("says so when the bytes are not a certificate", () => {
    expect(alpnCertificateProblem(Uint8Array.from([0x30, 0x82, 0xff]), { type: "dns", value: "a.test" }, KEY_AUTHORIZATION)).toBe(
      "the certificate is not well-formed DER",
    );
  });
});
