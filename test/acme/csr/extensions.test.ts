import { describe, expect, it } from "vitest";
import { checkCsr, DEFAULT_CSR_POLICY, type CsrIdentifier } from "../../../src/acme/csr/index.js";
import { buildCsr, cnName, dnsName, ekuExtension, extension, ipAddress, OID, sanExtension, sanFor } from "./support/build-csr.js";
import { ascii, bool, int, oid, seq, tlv, utf8 } from "./support/der-encode.js";
import { expectAccepted, expectRefused } from "./support/expect-refusal.js";
import { ACCOUNT, p256 } from "./support/keys.js";

const dns = (value: string): CsrIdentifier => ({ type: "dns", value });
const order = [dns("example.com")];
const csrWith = (...extensions: Uint8Array[]) => buildCsr({ key: p256(), extensions });
const check = (der: Uint8Array, expected: readonly CsrIdentifier[] = order) => checkCsr(der, expected, ACCOUNT);

describe("extensions", () => {
  it("refuses a CSR that names nothing: no subjectAltName extension and an empty subject", () => {
    expectRefused(check(csrWith(ekuExtension(OID.serverAuth))), /names nothing: it has neither a subjectAltName extension nor a subject CN \(RFC 8555 §7\.4\)/);
  });

  it("takes the CN's name when the extensions hold no subjectAltName (RFC 8555 §7.4)", () => {
    const csr = expectAccepted(check(buildCsr({ key: p256(), subject: cnName("Example.COM."), extensions: [ekuExtension(OID.serverAuth)] })));
    expect(csr.identifiers).toEqual([dns("example.com")]);
    expect(csr.namesFrom).toBe("commonName");
  });

  it.each([
    ["OCSP Must-Staple", "1.3.6.1.5.5.7.1.24", seq(int(5)), /TLS Feature \(OCSP Must-Staple, RFC 7633\) \(1\.3\.6\.1\.5\.5\.7\.1\.24\), which is not accepted/],
    ["authorityKeyIdentifier", "2.5.29.35", seq(tlv(0x80, new Uint8Array(20))), /authorityKeyIdentifier \(2\.5\.29\.35\)/],
    ["a Microsoft template", "1.3.6.1.4.1.311.21.7", seq(oid("1.2.3"), int(100)), /Microsoft certificate template \(1\.3\.6\.1\.4\.1\.311\.21\.7\)/],
    ["a private extension", "1.3.6.1.4.1.99999.1", tlv(0x05, new Uint8Array()), /extension 1\.3\.6\.1\.4\.1\.99999\.1, which is not accepted; only subjectAltName and extKeyUsage are/],
  ])("refuses %s, naming its OID", (_label, id, value, detail) => {
    expectRefused(check(csrWith(sanFor("example.com"), extension(id, value))), detail);
  });

  it("refuses an extension requested twice", () => {
    expectRefused(check(csrWith(sanFor("example.com"), sanFor("example.com"))), /extension subjectAltName \(2\.5\.29\.17\) more than once/);
  });

  it("tolerates a subjectKeyIdentifier (lacme sends one) and refuses one that is not an OCTET STRING", () => {
    expectAccepted(check(csrWith(sanFor("example.com"), extension("2.5.29.14", tlv(0x04, new Uint8Array(20))))));
    expectRefused(check(csrWith(sanFor("example.com"), extension("2.5.29.14", seq()))), /subjectKeyIdentifier extension/);
  });

  it("refuses keyUsage keyCertSign and basicConstraints CA:TRUE or with a path length", () => {
    expectRefused(check(csrWith(sanFor("example.com"), extension("2.5.29.15", Uint8Array.of(0x03, 0x02, 0x02, 0x84)))), /keyCertSign or cRLSign/);
    expectRefused(check(csrWith(sanFor("example.com"), extension("2.5.29.19", seq(bool(true))))), /cA TRUE/);
    expectRefused(check(csrWith(sanFor("example.com"), extension("2.5.29.19", seq(int(0))))), /pathLenConstraint/);
  });
});

describe("subjectAltName", () => {
  it.each([
    ["an otherName UPN", tlv(0xa0, oid("1.3.6.1.4.1.311.20.2.3"), tlv(0xa0, utf8("admin@corp.example"))), /holds an otherName \(Microsoft UPN, 1\.3\.6\.1\.4\.1\.311\.20\.2\.3\); only dNSName and iPAddress/],
    ["an rfc822Name", tlv(0x81, ascii("admin@example.com")), /holds an rfc822Name \(email address\)/],
    ["a URI", tlv(0x86, ascii("https://example.com/")), /holds a uniformResourceIdentifier \(URI\)/],
    ["a directoryName", tlv(0xa4, seq()), /holds a directoryName/],
    ["a registeredID", tlv(0x88, Uint8Array.of(0x2a, 0x03)), /holds a registeredID/],
  ])("refuses %s next to the DNS name", (_label, entry, detail) => {
    expectRefused(check(csrWith(sanExtension(dnsName("example.com"), entry))), detail);
  });

  it.each([
    ["an underscore", "a_b.example.com", /dNSName "a_b\.example\.com" is not a valid DNS name/],
    ["a wildcard not leftmost", "a.*.example.com", /not a valid DNS name/],
    ["a partial wildcard", "w*.example.com", /not a valid DNS name/],
    ["an empty label", "a..example.com", /not a valid DNS name/],
    ["an IP address", "192.0.2.1", /IP address "192\.0\.2\.1" as a dNSName; put it in an iPAddress entry/],
    ["nothing", "", /empty dNSName/],
  ])("refuses a dNSName with %s", (_label, name, detail) => {
    expectRefused(check(csrWith(sanExtension(dnsName(name)))), detail);
  });

  it("refuses a dNSName that is not ASCII", () => {
    const bytes = new TextEncoder().encode("bücher.example");
    expectRefused(check(csrWith(sanExtension(tlv(0x82, bytes)))), /a dNSName is not ASCII, as an IA5String must be/);
  });

  it("refuses a name listed twice once canonicalised", () => {
    expectRefused(check(csrWith(sanExtension(dnsName("Example.com"), dnsName("example.com.")))), /lists dns:example\.com more than once/);
  });

  it("refuses an iPAddress that is neither 4 nor 16 bytes", () => {
    expectRefused(check(csrWith(sanExtension(dnsName("example.com"), tlv(0x87, Uint8Array.of(192, 0, 2, 1, 0))))), /iPAddress of 5 bytes; it must be 4 \(IPv4\) or 16 \(IPv6\)/);
  });

  it("refuses an empty subjectAltName", () => {
    expectRefused(check(csrWith(sanExtension())), /subjectAltName extension is empty/);
  });

  it("names the missing and the extra identifiers when the CSR and the order differ (RFC 8555 §7.4)", () => {
    const der = csrWith(sanFor("example.com", "extra.example.com", "192.0.2.9"));
    const result = check(der, [dns("example.com"), dns("www.example.com"), { type: "ip", value: "2001:db8::1" }]);
    expectRefused(result, /missing from the CSR: dns:www\.example\.com, ip:2001:db8::1; in the CSR but not in the order: dns:extra\.example\.com, ip:192\.0\.2\.9\)/);
  });

  it("accepts the same names in another order, sorted like the order's", () => {
    const csr = expectAccepted(check(csrWith(sanExtension(ipAddress("192.0.2.1"), dnsName("b.example.com"), dnsName("a.example.com"))), [dns("a.example.com"), dns("b.example.com"), { type: "ip", value: "192.0.2.1" }]));
    expect(csr.identifiers.map((i) => i.value)).toEqual(["a.example.com", "b.example.com", "192.0.2.1"]);
  });
});

describe("extKeyUsage", () => {
  it("refuses clientAuth under the default policy, in the reference's wording", () => {
    expectRefused(check(csrWith(sanFor("example.com"), ekuExtension(OID.serverAuth, OID.clientAuth))), /extended key usage clientAuth \(1\.3\.6\.1\.5\.5\.7\.3\.2\), which the issuance policy does not allow/);
  });

  it("refuses anyExtendedKeyUsage unless the policy lists it", () => {
    const der = csrWith(sanFor("example.com"), ekuExtension("2.5.29.37.0"));
    expectRefused(check(der), /anyExtendedKeyUsage \(2\.5\.29\.37\.0\)/);
    const csr = expectAccepted(checkCsr(der, order, ACCOUNT, { ...DEFAULT_CSR_POLICY, allowedExtraEkus: ["2.5.29.37.0"] }));
    expect(csr.extraEkus).toEqual(["2.5.29.37.0"]);
  });

  it("refuses an empty or repetitive extKeyUsage", () => {
    expectRefused(check(csrWith(sanFor("example.com"), ekuExtension())), /extKeyUsage extension is empty/);
    expectRefused(check(csrWith(sanFor("example.com"), ekuExtension(OID.serverAuth, OID.serverAuth))), /lists serverAuth \(1\.3\.6\.1\.5\.5\.7\.3\.1\) more than once/);
  });
});
