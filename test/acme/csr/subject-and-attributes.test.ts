import { describe, expect, it } from "vitest";
import { checkCsr, type CsrIdentifier } from "../../../src/acme/csr/index.js";
import { attribute, buildCsr, cnName, extensionRequest, OID, rdn, sanFor } from "./support/build-csr.js";
import { ia5, oid, printable, seq, set, tlv, utf8 } from "./support/der-encode.js";
import { expectAccepted, expectRefused } from "./support/expect-refusal.js";
import { ACCOUNT, p256 } from "./support/keys.js";

const order: CsrIdentifier[] = [{ type: "dns", value: "example.com" }, { type: "dns", value: "www.example.com" }];
const names = ["example.com", "www.example.com"];
const check = (der: Uint8Array) => checkCsr(der, order, ACCOUNT);

describe("subject", () => {
  it.each([
    ["O", "2.5.4.10", /subject holds O \(2\.5\.4\.10\); only an empty subject or a single CN/],
    ["OU", "2.5.4.11", /subject holds OU \(2\.5\.4\.11\)/],
    ["DC", "0.9.2342.19200300.100.1.25", /subject holds DC \(0\.9\.2342\.19200300\.100\.1\.25\)/],
    ["emailAddress", "1.2.840.113549.1.9.1", /subject holds emailAddress \(1\.2\.840\.113549\.1\.9\.1\)/],
    ["an unnamed attribute", "1.2.3.4.5", /subject holds 1\.2\.3\.4\.5;/],
  ])("refuses %s next to the CN, naming it", (_label, type, detail) => {
    const subject = seq(rdn(OID.cn, utf8("example.com")), rdn(type, utf8("Example")));
    expectRefused(check(buildCsr({ key: p256(), subject, names })), detail);
  });

  it("refuses an attribute hidden in the CN's own RDN (a multi-valued RDN)", () => {
    const subject = seq(set(seq(oid(OID.cn), utf8("example.com")), seq(oid("2.5.4.10"), utf8("Example"))));
    expectRefused(check(buildCsr({ key: p256(), subject, names })), /subject holds O \(2\.5\.4\.10\)/);
  });

  it("refuses two CNs, even if both are identifiers of the order", () => {
    const subject = seq(rdn(OID.cn, utf8("example.com")), rdn(OID.cn, utf8("www.example.com")));
    expectRefused(check(buildCsr({ key: p256(), subject, names })), /more than one CN/);
  });

  it("refuses a CN that is not one of the order's identifiers", () => {
    expectRefused(check(buildCsr({ key: p256(), subject: cnName("intranet.example.com"), names })), /CN "intranet\.example\.com" is not one of the order's identifiers/);
  });

  it("accepts the CN as PrintableString and IA5String, and refuses other string types", () => {
    expectAccepted(check(buildCsr({ key: p256(), subject: seq(rdn(OID.cn, printable("example.com"))), names })));
    expectAccepted(check(buildCsr({ key: p256(), subject: seq(rdn(OID.cn, ia5("example.com"))), names })));
    const bmp = tlv(0x1e, Uint8Array.from("example.com".split("").flatMap((c) => [0, c.charCodeAt(0)])));
    expectRefused(check(buildCsr({ key: p256(), subject: seq(rdn(OID.cn, bmp)), names })), /CN must be a UTF8String, PrintableString or IA5String/);
  });

  it("refuses a PrintableString CN holding a character PrintableString cannot hold", () => {
    const wildcard = buildCsr({ key: p256(), subject: seq(rdn(OID.cn, printable("*.example.com"))), names: ["*.example.com"] });
    expectRefused(checkCsr(wildcard, [{ type: "dns", value: "*.example.com" }], ACCOUNT), /subject CN holds a character a PrintableString cannot hold/);
  });

  it("refuses invalid UTF-8 in a UTF8String CN", () => {
    const subject = seq(rdn(OID.cn, tlv(0x0c, Uint8Array.of(0x65, 0xc3, 0x28))));
    expectRefused(check(buildCsr({ key: p256(), subject, names })), /subject CN is not valid UTF-8/);
  });
});

describe("attributes", () => {
  it("refuses a CSR without attributes and with an empty subject: it names nothing", () => {
    expectRefused(check(buildCsr({ key: p256(), attributes: [] })), /names nothing: it has neither a subjectAltName extension nor a subject CN/);
  });

  // RFC 8555 §7.4: a dns identifier may appear in the CN alone — acme-tiny's single-name CSR,
  // `openssl req -subj /CN=example.com` with no extension at all.
  it("accepts a CSR without attributes whose CN names the order's one DNS name, and reports where the name was read", () => {
    const single = [{ type: "dns", value: "example.com" }] as const;
    const csr = expectAccepted(checkCsr(buildCsr({ key: p256(), subject: cnName("Example.com"), attributes: [] }), single, ACCOUNT));
    expect(csr.identifiers).toEqual(single);
    expect(csr.commonName).toBe("example.com");
    expect(csr.namesFrom).toBe("commonName");
    expect(expectAccepted(check(buildCsr({ key: p256(), subject: cnName("example.com"), names }))).namesFrom).toBe("subjectAltName");
  });

  it("refuses a CN-only CSR for an order of two names, naming the one missing", () => {
    expectRefused(check(buildCsr({ key: p256(), subject: cnName("example.com"), attributes: [] })), /names in the CSR do not match the order's identifiers \(missing from the CSR: dns:www\.example\.com\)/);
  });

  it("refuses a CN-only CSR for an IP address, which belongs in an iPAddress entry (RFC 8738)", () => {
    const ip = [{ type: "ip", value: "192.0.2.1" }] as const;
    expectRefused(checkCsr(buildCsr({ key: p256(), subject: cnName("192.0.2.1"), attributes: [] }), ip, ACCOUNT), /IP address "192\.0\.2\.1" only in its CN; RFC 8738 requires it in an iPAddress subjectAltName entry/);
  });

  it("refuses a CN-only CSR whose CN is not a DNS name, saying it is the CN", () => {
    const order = [{ type: "dns", value: "bad_name.example.com" }] as const;
    expectRefused(checkCsr(buildCsr({ key: p256(), subject: cnName("bad_name.example.com"), attributes: [] }), order, ACCOUNT), /subject CN "bad_name\.example\.com" is not a valid DNS name/);
  });

  it("refuses challengePassword next to the extensionRequest, naming it", () => {
    const attributes = [attribute("1.2.840.113549.1.9.7", printable("secret")), extensionRequest(sanFor(...names))];
    expectRefused(check(buildCsr({ key: p256(), attributes })), /attribute challengePassword \(1\.2\.840\.113549\.1\.9\.7\); only extensionRequest is accepted/);
  });

  it("refuses the Microsoft enrollment name-value pair that can carry a SAN to ADCS (ESC6)", () => {
    const pair = seq(tlv(0x1e, new Uint8Array(4)), tlv(0x1e, new Uint8Array(4)));
    const attributes = [extensionRequest(sanFor(...names)), attribute("1.3.6.1.4.1.311.13.2.1", pair)];
    expectRefused(check(buildCsr({ key: p256(), attributes })), /Microsoft enrollment name-value pair .*ESC6/);
  });

  it("refuses two extensionRequest attributes", () => {
    const attributes = [extensionRequest(sanFor(...names)), extensionRequest(sanFor(...names))];
    expectRefused(check(buildCsr({ key: p256(), attributes })), /more than one extensionRequest attribute/);
  });

  it("refuses an extensionRequest with two values", () => {
    const value = seq(sanFor(...names));
    expectRefused(check(buildCsr({ key: p256(), attributes: [attribute(OID.extensionRequest, value, value)] })), /extensionRequest attribute holds more than one value/);
  });

  it("refuses an empty extensionRequest", () => {
    expectRefused(check(buildCsr({ key: p256(), attributes: [attribute(OID.extensionRequest, seq())] })), /extensionRequest is empty/);
  });
});
