import { execFileSync } from "node:child_process";
import { webcrypto } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import acme from "acme-client";
import { describe, expect, it } from "vitest";
import { checkCsr, DEFAULT_CSR_POLICY, type CsrIdentifier } from "../../../src/acme/csr/index.js";
import { buildCsr, cnName, ekuExtension, extension, OID, sanFor } from "./support/build-csr.js";
import { expectAccepted, expectRefused } from "./support/expect-refusal.js";
import { ACCOUNT, ed25519, p256, p384, rsa } from "./support/keys.js";

const dns = (value: string): CsrIdentifier => ({ type: "dns", value });
const ip = (value: string): CsrIdentifier => ({ type: "ip", value });
const pemToDer = (pem: string): Uint8Array => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64"));

describe("CSRs that are issued", () => {
  it("accepts a P-256 CSR with an empty subject and returns its key, SANs and fingerprint", () => {
    const key = p256();
    const der = buildCsr({ key, names: ["www.example.com", "example.com"] });
    const csr = expectAccepted(checkCsr(der, [dns("example.com"), dns("www.example.com")], ACCOUNT));
    expect(csr.keyType).toEqual({ kind: "EC", curve: "P-256" });
    expect(csr.identifiers).toEqual([dns("example.com"), dns("www.example.com")]);
    expect(csr.commonName).toBeNull();
    expect(csr.extraEkus).toEqual([]);
    expect(Buffer.from(csr.publicKeySpki)).toEqual(Buffer.from(key.spki));
    expect(csr.spkiSha256).toBe(key.spkiSha256);
    expect(Buffer.from(csr.der)).toEqual(Buffer.from(der));
  });

  it("accepts P-384 signed with SHA-384, and with SHA-256 as certbot and acme.sh sign every CSR", () => {
    for (const hash of ["sha384", "sha256"] as const) {
      const csr = expectAccepted(checkCsr(buildCsr({ key: p384(), hash }), [dns("example.com")], ACCOUNT));
      expect(csr.keyType).toEqual({ kind: "EC", curve: "P-384" });
    }
  });

  it("accepts Ed25519 and RSA-3072 keys", () => {
    expect(expectAccepted(checkCsr(buildCsr({ key: ed25519() }), [dns("example.com")], ACCOUNT)).keyType).toEqual({ kind: "Ed25519" });
    for (const hash of ["sha256", "sha384", "sha512"] as const) {
      expect(expectAccepted(checkCsr(buildCsr({ key: rsa(3072), hash }), [dns("example.com")], ACCOUNT)).keyType).toEqual({ kind: "RSA", bits: 3072 });
    }
  });

  it("refuses RSA-2048 under the default policy and accepts it when the policy allows 2048 bits", () => {
    const der = buildCsr({ key: rsa(2048) });
    expectRefused(checkCsr(der, [dns("example.com")], ACCOUNT), /RSA key has 2048 bits; the issuance policy requires at least 3072/);
    const csr = expectAccepted(checkCsr(der, [dns("example.com")], ACCOUNT, { ...DEFAULT_CSR_POLICY, minRsaBits: 2048 }));
    expect(csr.keyType).toEqual({ kind: "RSA", bits: 2048 });
  });

  it("never goes below 2048 bits, whatever the policy says", () => {
    const der = buildCsr({ key: rsa(1024) });
    expectRefused(checkCsr(der, [dns("example.com")], ACCOUNT, { ...DEFAULT_CSR_POLICY, minRsaBits: 1024 }), /1024 bits; the issuance policy requires at least 2048/);
  });

  it("accepts IPv4 and IPv6 SANs and writes them in canonical text (RFC 8738, RFC 5952)", () => {
    const der = buildCsr({ key: p256(), names: ["2001:db8:0:0:0:0:0:1", "192.0.2.10", "example.com"] });
    const csr = expectAccepted(checkCsr(der, [dns("example.com"), ip("192.0.2.10"), ip("2001:db8::1")], ACCOUNT));
    expect(csr.identifiers).toEqual([dns("example.com"), ip("192.0.2.10"), ip("2001:db8::1")]);
  });

  it("accepts a wildcard next to its apex", () => {
    const csr = expectAccepted(checkCsr(buildCsr({ key: p256(), names: ["*.example.com", "example.com"] }), [dns("*.example.com"), dns("example.com")], ACCOUNT));
    expect(csr.identifiers).toEqual([dns("*.example.com"), dns("example.com")]);
  });

  it("canonicalises dNSName case and trailing dot before comparing with the order", () => {
    const csr = expectAccepted(checkCsr(buildCsr({ key: p256(), names: ["WWW.Example.COM."] }), [dns("www.example.com")], ACCOUNT));
    expect(csr.identifiers).toEqual([dns("www.example.com")]);
  });

  it("accepts a CN naming one of the identifiers, compared case-insensitively", () => {
    const der = buildCsr({ key: p256(), subject: cnName("WWW.example.com"), names: ["www.example.com", "example.com"] });
    expect(expectAccepted(checkCsr(der, [dns("example.com"), dns("www.example.com")], ACCOUNT)).commonName).toBe("www.example.com");
    const byIp = buildCsr({ key: p256(), subject: cnName("192.0.2.7"), names: ["192.0.2.7"] });
    expect(expectAccepted(checkCsr(byIp, [ip("192.0.2.7")], ACCOUNT)).commonName).toBe("192.0.2.7");
  });

  it("accepts serverAuth, and an extra EKU only when the policy lists it", () => {
    const serverOnly = buildCsr({ key: p256(), extensions: [sanFor("example.com"), ekuExtension(OID.serverAuth)] });
    expect(expectAccepted(checkCsr(serverOnly, [dns("example.com")], ACCOUNT)).extraEkus).toEqual([]);
    const both = buildCsr({ key: p256(), extensions: [sanFor("example.com"), ekuExtension(OID.serverAuth, OID.clientAuth)] });
    const policy = { ...DEFAULT_CSR_POLICY, allowedExtraEkus: [OID.clientAuth] };
    expect(expectAccepted(checkCsr(both, [dns("example.com")], ACCOUNT, policy)).extraEkus).toEqual([OID.clientAuth]);
  });

  it("tolerates keyUsage and basicConstraints CA:FALSE, which acme-client and cert-manager send", () => {
    const keyUsage = extension("2.5.29.15", Uint8Array.of(0x03, 0x02, 0x05, 0xa0), true); // digitalSignature, keyEncipherment
    const notCa = extension("2.5.29.19", Uint8Array.of(0x30, 0x00), true);
    const der = buildCsr({ key: p256(), extensions: [keyUsage, notCa, sanFor("example.com")] });
    expectAccepted(checkCsr(der, [dns("example.com")], ACCOUNT));
  });
});

describe("CSRs made by real client libraries", () => {
  it("accepts acme-client's createCsr (CN, keyUsage, DNS and IP SANs)", async () => {
    const keyPem = await acme.crypto.createPrivateEcdsaKey();
    const [, csrPem] = await acme.crypto.createCsr({ commonName: "a.example.com", altNames: ["b.example.com", "192.0.2.1"] }, keyPem);
    const csr = expectAccepted(checkCsr(pemToDer(csrPem.toString()), [dns("a.example.com"), dns("b.example.com"), ip("192.0.2.1")], ACCOUNT));
    expect(csr.commonName).toBe("a.example.com");
  });

  it("refuses acme-client's createCsr when it adds organisation fields, naming the first one", async () => {
    const keyPem = await acme.crypto.createPrivateEcdsaKey();
    const [, csrPem] = await acme.crypto.createCsr({ altNames: ["b.example.com"], organization: "Example Inc" }, keyPem);
    expectRefused(checkCsr(pemToDer(csrPem.toString()), [dns("b.example.com")], ACCOUNT), /subject holds O \(2\.5\.4\.10\)/);
  });

  it("accepts a @peculiar/x509 request with a P-384 key and an IPv6 SAN", async () => {
    const algorithm = { name: "ECDSA", namedCurve: "P-384", hash: "SHA-384" };
    const keys = (await webcrypto.subtle.generateKey(algorithm, true, ["sign", "verify"])) as CryptoKeyPair;
    const request = await x509.Pkcs10CertificateRequestGenerator.create({
      keys,
      signingAlgorithm: algorithm,
      extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "example.com" }, { type: "ip", value: "2001:db8::42" }])],
    });
    const csr = expectAccepted(checkCsr(new Uint8Array(request.rawData), [dns("example.com"), ip("2001:db8::42")], ACCOUNT));
    expect(csr.keyType).toEqual({ kind: "EC", curve: "P-384" });
  });

  // lacme 0.8.2 (Debian) writes this openssl config for every CSR (gen_csr in /usr/sbin/lacme):
  // basicConstraints and subjectKeyIdentifier are always there, keyUsage when configured.
  it("accepts lacme's `openssl req` CSR (critical basicConstraints CA:FALSE, subjectKeyIdentifier, keyUsage)", () => {
    const dir = mkdtempSync(join(tmpdir(), "certeasy-csr-"));
    try {
      const keyFile = join(dir, "key.pem");
      const config = join(dir, "req.conf");
      writeFileSync(keyFile, p256().privateKey.export({ format: "pem", type: "pkcs8" }));
      writeFileSync(
        config,
        [
          "[ req ]",
          "distinguished_name = req_distinguished_name",
          "req_extensions     = v3_req",
          "[ req_distinguished_name ]",
          "[ v3_req ]",
          "basicConstraints     = critical, CA:FALSE",
          "subjectKeyIdentifier = hash",
          "keyUsage = critical, digitalSignature, keyEncipherment",
          "subjectAltName = DNS:example.com,DNS:www.example.com",
          "",
        ].join("\n"),
      );
      const csrFile = join(dir, "csr.der");
      execFileSync("openssl", ["req", "-new", "-batch", "-key", keyFile, "-subj", "/CN=example.com", "-config", config, "-reqexts", "v3_req", "-outform", "DER", "-out", csrFile], { stdio: "pipe" });
      expectAccepted(checkCsr(new Uint8Array(readFileSync(csrFile)), [dns("example.com"), dns("www.example.com")], ACCOUNT));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("accepts `openssl req` output with a CN and a subjectAltName", () => {
    const dir = mkdtempSync(join(tmpdir(), "certeasy-csr-"));
    try {
      const keyFile = join(dir, "key.pem");
      writeFileSync(keyFile, p256().privateKey.export({ format: "pem", type: "pkcs8" }));
      execFileSync("openssl", ["req", "-new", "-key", keyFile, "-subj", "/CN=example.com", "-addext", "subjectAltName=DNS:example.com,IP:192.0.2.1", "-outform", "DER", "-out", join(dir, "csr.der")], { stdio: "pipe" });
      expectAccepted(checkCsr(new Uint8Array(readFileSync(join(dir, "csr.der"))), [dns("example.com"), ip("192.0.2.1")], ACCOUNT));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
