import { X509Certificate } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import type { IssuedCertificate } from "../../src/ca/authority.js";
import { crlScopeOf } from "../../src/ca/local/crl-partition.js";
import type { LocalAuthority } from "../../src/ca/local/local-authority.js";
import {
  CRL_URL,
  DAY_MS,
  type CaFixture,
  type SubjectKeyType,
  dns,
  expectDenied,
  expectIssued,
  ip,
  issuanceRequest,
  openssl,
  pemBlocks,
  shardCrlUrl,
  subjectKey,
  withCa,
} from "./helpers.js";

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

/** `openssl verify` of the leaf against root + issuing CA, strict X.509 and the TLS server purpose. */
async function opensslVerify(fixture: CaFixture, ca: LocalAuthority, certificate: IssuedCertificate): Promise<string> {
  const [leafPem] = pemBlocks(certificate.chainPem);
  const result = openssl([
    "verify",
    "-x509_strict",
    "-purpose",
    "sslserver",
    "-CAfile",
    await fixture.file("root.pem", ca.rootCertificatePem),
    "-untrusted",
    await fixture.file("issuing.pem", ca.issuingCertificatePem),
    await fixture.file("leaf.pem", leafPem ?? ""),
  ]);
  return `${result.stdout}${result.stderr}`.trim();
}

function opensslText(certificate: IssuedCertificate): string {
  return openssl(["x509", "-noout", "-text", "-inform", "DER"], certificate.certificateDer).stdout;
}

describe("local CA leaf certificates", () => {
  for (const keyType of ["P-256", "P-384", "RSA-3072", "Ed25519"] as const satisfies readonly SubjectKeyType[]) {
    it(`issues a ${keyType} leaf that openssl and node verify up to the root`, async () => {
      await withCa(async (fixture) => {
        const ca = await fixture.open();
        const key = subjectKey(keyType);
        const certificate = expectIssued(await ca.submit(issuanceRequest({ publicKeySpki: key.spki, identifiers: [dns("app.example.test")] })));

        expect(await opensslVerify(fixture, ca, certificate)).toMatch(/leaf\.pem: OK$/);
        const leaf = new X509Certificate(certificate.certificateDer);
        const issuing = new X509Certificate(ca.issuingCertificatePem);
        expect(leaf.checkIssued(issuing)).toBe(true);
        expect(leaf.verify(issuing.publicKey)).toBe(true);
        expect(leaf.publicKey.equals(key.publicKey)).toBe(true);
        expect(leaf.checkHost("app.example.test")).toBe("app.example.test");
        expect(leaf.checkHost("other.example.test")).toBeUndefined();

        const text = opensslText(certificate);
        // RFC 5280 §4.2.1.3: RSA keys may carry TLS 1.2 key transport; the others only sign.
        const usage = keyType === "RSA-3072" ? "Digital Signature, Key Encipherment" : "Digital Signature";
        expect(text).toMatch(new RegExp(`X509v3 Key Usage: critical\\n\\s+${usage}\\n`));
      });
    });
  }

  it("follows the reference profile: empty subject, critical SAN, serverAuth, CA:FALSE, SKI, AKI, CRL DP", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      const key = subjectKey("P-256");
      const certificate = expectIssued(await ca.submit(issuanceRequest({ publicKeySpki: key.spki, identifiers: [dns("a.example.test"), dns("b.example.test")] })));
      const text = opensslText(certificate);
      expect(text).toContain("Version: 3 (0x2)");
      expect(text).toMatch(/Subject: *\n/);
      expect(text).toMatch(/X509v3 Subject Alternative Name: critical\n\s+DNS:a\.example\.test, DNS:b\.example\.test\n/);
      expect(text).toMatch(/X509v3 Extended Key Usage: *\n\s+TLS Web Server Authentication\n/);
      expect(text).toMatch(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
      // The shard of its serial (crl-partition.ts), served beside the legacy CRL_URL.
      expect(text).toContain(`URI:${shardCrlUrl(crlScopeOf(certificate.serialHex, ca.crlShards) as number)}\n`);
      expect(text).not.toContain(`URI:${CRL_URL}`);
      expect(text).not.toContain("Authority Information Access");

      const leaf = new x509.X509Certificate(new Uint8Array(certificate.certificateDer));
      const issuing = new x509.X509Certificate(ca.issuingCertificatePem);
      // The issuer Name is the issuing CA's subject, byte for byte.
      expect(Buffer.from(leaf.issuerName.toArrayBuffer()).equals(Buffer.from(issuing.subjectName.toArrayBuffer()))).toBe(true);
      const issuingKeyId = issuing.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
      expect(leaf.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId).toBe(issuingKeyId);
      expect(certificate.akiHex).toBe(issuingKeyId);
      expect(leaf.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId).toBe(
        (await x509.SubjectKeyIdentifierExtension.create(new Uint8Array(key.spki))).keyId,
      );
      expect(leaf.serialNumber).toBe(certificate.serialHex);
      expect(certificate.serialHex).toMatch(/^[0-9a-f]+$/);
      expect(leaf.notBefore.getTime()).toBe(certificate.notBefore.getTime());
      expect(leaf.notAfter.getTime()).toBe(certificate.notAfter.getTime());
    });
  });

  it("returns an RFC 8555 §7.4.2 chain: leaf then issuing CA, newline-separated, ending with a newline", async () => {
    await withCa(async ({ open }) => {
      const ca = await open();
      const certificate = expectIssued(await ca.submit(issuanceRequest()));
      const blocks = pemBlocks(certificate.chainPem);
      expect(blocks).toHaveLength(2);
      expect(blocks.join("")).toBe(certificate.chainPem);
      expect(certificate.chainPem.endsWith("-----END CERTIFICATE-----\n")).toBe(true);
      expect(new X509Certificate(blocks[0] ?? "").raw.equals(Buffer.from(certificate.certificateDer))).toBe(true);
      expect(blocks[1]).toBe(ca.issuingCertificatePem);
    });
  });

  it("backdates five minutes and lasts the configured lifetime", async () => {
    await withCa(async ({ open, clock }) => {
      const ca = await open({ certificateLifetimeMs: 30 * DAY_MS });
      const certificate = expectIssued(await ca.submit(issuanceRequest()));
      expect(certificate.notBefore.getTime()).toBe(clock.ms - 5 * 60_000);
      expect(certificate.notAfter.getTime()).toBe(clock.ms - 5 * 60_000 + 30 * DAY_MS);
    });
  });

  it("puts IPv4 and IPv6 addresses in iPAddress SANs that node matches", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      const certificate = expectIssued(
        await ca.submit(issuanceRequest({ identifiers: [ip("192.0.2.10"), ip("2001:db8::10"), dns("host.example.test")] })),
      );
      const leaf = new X509Certificate(certificate.certificateDer);
      expect(leaf.checkIP("192.0.2.10")).toBe("192.0.2.10");
      expect(leaf.checkIP("2001:db8::10")).toBe("2001:db8::10");
      expect(leaf.checkIP("2001:0db8:0:0:0:0:0:10")).toBe("2001:0db8:0:0:0:0:0:10");
      expect(leaf.checkIP("192.0.2.11")).toBeUndefined();
      expect(opensslText(certificate)).toContain("IP Address:192.0.2.10, IP Address:2001:DB8:0:0:0:0:0:10, DNS:host.example.test");
      expect(await opensslVerify(fixture, ca, certificate)).toMatch(/OK$/);
    });
  });

  it("issues wildcard names that match one label only", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      const certificate = expectIssued(await ca.submit(issuanceRequest({ identifiers: [dns("*.apps.example.test"), dns("apps.example.test")] })));
      const leaf = new X509Certificate(certificate.certificateDer);
      expect(leaf.checkHost("web.apps.example.test")).toBe("*.apps.example.test");
      expect(leaf.checkHost("apps.example.test")).toBe("apps.example.test");
      expect(leaf.checkHost("a.web.apps.example.test")).toBeUndefined();
      expect(await opensslVerify(fixture, ca, certificate)).toMatch(/OK$/);
    });
  });

  it("adds the policy's extra EKUs after serverAuth, and refuses anyExtendedKeyUsage", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      const certificate = expectIssued(await ca.submit(issuanceRequest({ extraEkus: [CLIENT_AUTH, "1.3.6.1.5.5.7.3.1"] })));
      expect(opensslText(certificate)).toMatch(/Extended Key Usage: *\n\s+TLS Web Server Authentication, TLS Web Client Authentication\n/);
      expect(expectDenied(await ca.submit(issuanceRequest({ extraEkus: ["2.5.29.37.0"] })))).toBe(
        "this CA does not issue certificates with anyExtendedKeyUsage",
      );
      expect(expectDenied(await ca.submit(issuanceRequest({ extraEkus: ["client-auth"] })))).toMatch(/is not an extended key usage object identifier/);
    });
  });

  it("adds AIA caIssuers when configured", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open({ caIssuersUrl: "http://acme.test/ca/lab-issuing.crt" });
      const certificate = expectIssued(await ca.submit(issuanceRequest()));
      expect(opensslText(certificate)).toMatch(/Authority Information Access: *\n\s+CA Issuers - URI:http:\/\/acme\.test\/ca\/lab-issuing\.crt\n/);
    });
  });

  it("honours a requested validity and denies one past the issuing CA's expiry", async () => {
    await withCa(async ({ open, clock }) => {
      const ca = await open();
      const notBefore = new Date(clock.ms + 3_600_000);
      const notAfter = new Date(clock.ms + 7 * DAY_MS);
      const certificate = expectIssued(await ca.submit(issuanceRequest({ notBefore, notAfter })));
      expect(certificate.notBefore.toISOString()).toBe(notBefore.toISOString());
      expect(certificate.notAfter.toISOString()).toBe(notAfter.toISOString());
      expect(new x509.X509Certificate(new Uint8Array(certificate.certificateDer)).notAfter.toISOString()).toBe(notAfter.toISOString());

      const issuingNotAfter = new x509.X509Certificate(ca.issuingCertificatePem).notAfter;
      clock.ms = issuingNotAfter.getTime() - 10 * DAY_MS;
      const pastCa = await ca.submit(issuanceRequest({ notAfter: new Date(issuingNotAfter.getTime() + 1000) }));
      expect(expectDenied(pastCa)).toMatch(/^the requested notAfter .* is past the issuing CA's expiry \(.*\)$/);
      // Without a request the leaf is cut at the issuing CA's notAfter instead.
      expect(expectIssued(await ca.submit(issuanceRequest())).notAfter.getTime()).toBe(issuingNotAfter.getTime());
    });
  });

  it("is idempotent per request key within the process", async () => {
    await withCa(async ({ open }) => {
      const ca = await open();
      const request = issuanceRequest({ requestKey: "order-idempotent" });
      const [first, second] = await Promise.all([ca.submit(request), ca.submit(request)]);
      const third = await ca.submit({ ...request, identifiers: [dns("different.example.test")] });
      expect(expectIssued(second).serialHex).toBe(expectIssued(first).serialHex);
      expect(expectIssued(third).certificateDer).toEqual(expectIssued(first).certificateDer);
      expect(expectIssued(await ca.poll("order-idempotent")).serialHex).toBe(expectIssued(first).serialHex);
      expect(expectIssued(await ca.submit(issuanceRequest())).serialHex).not.toBe(expectIssued(first).serialHex);
    });
  });

  it("answers poll for an unknown request id with a final denial (it never leaves anything pending)", async () => {
    await withCa(async ({ open }) => {
      const ca = await open();
      expect(expectDenied(await ca.poll("never-submitted"))).toMatch(/no pending request/);
    });
  });

  it("gives 10 000 certificates 10 000 distinct serials", async () => {
    await withCa(async ({ open }) => {
      const ca = await open();
      const serials = new Set<string>();
      for (let i = 0; i < 10_000; i++) serials.add(expectIssued(await ca.submit(issuanceRequest())).serialHex);
      expect(serials.size).toBe(10_000);
    });
  });

  it("denies requests it cannot encode faithfully, with a sentence", async () => {
    await withCa(async ({ open }) => {
      const ca = await open();
      expect(expectDenied(await ca.submit(issuanceRequest({ identifiers: [] })))).toBe(
        "the certificate needs at least one DNS name or IP address",
      );
      expect(expectDenied(await ca.submit(issuanceRequest({ identifiers: [ip("fe80::1%eth0")] })))).toBe(
        '"fe80::1%eth0" is not an IPv4 or IPv6 address',
      );
      expect(expectDenied(await ca.submit(issuanceRequest({ identifiers: [dns("bad name.example")] })))).toMatch(/is not a DNS name/);
      expect(expectDenied(await ca.submit(issuanceRequest({ identifiers: [dns("bücher.example")] })))).toMatch(/is not a DNS name/);
      expect(expectDenied(await ca.submit(issuanceRequest({ publicKeySpki: new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]) })))).toBe(
        "the CSR's public key is not a valid SubjectPublicKeyInfo",
      );
      // A denial is not remembered as an issuance: the same key can be submitted again.
      const key = "order-denied-then-fixed";
      expectDenied(await ca.submit(issuanceRequest({ requestKey: key, identifiers: [] })));
      expectIssued(await ca.submit(issuanceRequest({ requestKey: key })));
    });
  });

  it("reports health from a real signature, and unhealthy once the issuing CA has expired", async () => {
    await withCa(async ({ open, clock }) => {
      const ca = await open();
      expect(await ca.health()).toEqual({ healthy: true, detail: expect.stringMatching(/^issuing CA signs; valid until /) });
      clock.advance(6 * 365 * DAY_MS);
      expect(await ca.health()).toEqual({ healthy: false, detail: expect.stringMatching(/^the issuing CA expired on /) });
      expect(expectDenied(await ca.submit(issuanceRequest()))).toMatch(/^the issuing CA expired on /);
    });
  });
});
