import { describe, expect, it } from "vitest";
import {
  bitString,
  enumerated,
  ia5String,
  integer,
  objectIdentifier,
  sequence,
  time,
  tlv,
  unsignedInteger,
} from "../../src/ca/der/encode.js";
import { DerDecodingError, DerEncodingError } from "../../src/ca/der/errors.js";
import { fromPem, toPem } from "../../src/ca/der/pem.js";
import { childrenOf, contentOf, decodeObjectIdentifier, readElement, readWhole } from "../../src/ca/der/read.js";
import { openssl } from "./helpers.js";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

describe("DER encoder", () => {
  it("uses the short length form below 128 octets and the shortest long form above", () => {
    expect(hex(tlv(0x04, Buffer.alloc(127))).slice(0, 4)).toBe("047f");
    expect(hex(tlv(0x04, Buffer.alloc(128))).slice(0, 6)).toBe("048180");
    expect(hex(tlv(0x04, Buffer.alloc(255))).slice(0, 6)).toBe("0481ff");
    expect(hex(tlv(0x04, Buffer.alloc(256))).slice(0, 8)).toBe("04820100");
    expect(hex(tlv(0x04, Buffer.alloc(65_536))).slice(0, 10)).toBe("0483010000");
    expect(tlv(0x04, Buffer.alloc(65_536))).toHaveLength(65_536 + 5);
  });

  it("encodes INTEGERs in minimal two's complement, adding 00 only when the top bit is set", () => {
    expect(hex(integer(0))).toBe("020100");
    expect(hex(integer(127))).toBe("02017f");
    expect(hex(integer(128))).toBe("02020080");
    expect(hex(integer(256))).toBe("02020100");
    expect(hex(unsignedInteger(Buffer.from("00007f", "hex")))).toBe("02017f");
    expect(hex(unsignedInteger(Buffer.from("0080", "hex")))).toBe("02020080");
    expect(hex(unsignedInteger(Buffer.from("ff", "hex")))).toBe("020200ff");
    expect(() => integer(-1n)).toThrow(DerEncodingError);
    expect(hex(enumerated(1))).toBe("0a0101");
  });

  it("encodes object identifiers, including large arcs, and refuses malformed ones", () => {
    expect(hex(objectIdentifier("1.2.840.113549.1.1.1"))).toBe("06092a864886f70d010101");
    expect(hex(objectIdentifier("2.5.29.17"))).toBe("0603551d11");
    expect(hex(objectIdentifier("2.999.3"))).toBe("0603883703");
    for (const bad of ["", "1", "1.", "3.1", "1.40", "1.2.03", "1..2", "a.b"]) {
      expect(() => objectIdentifier(bad), bad).toThrow(DerEncodingError);
    }
  });

  it("round-trips object identifiers through the reader", () => {
    for (const oid of ["1.2.840.10045.4.3.2", "2.5.29.37.0", "2.25.329800735698586629295641978511506172918", "0.9.2342.19200300.100.1.25"]) {
      expect(decodeObjectIdentifier(contentOf(objectIdentifier(oid), readWhole(objectIdentifier(oid))))).toBe(oid);
    }
  });

  it("writes UTCTime through 2049 and GeneralizedTime from 2050, in whole UTC seconds", () => {
    expect(time(new Date("2049-12-31T23:59:59.999Z")).toString("latin1", 2)).toBe("491231235959Z");
    expect(time(new Date("2049-12-31T23:59:59Z"))[0]).toBe(0x17);
    expect(time(new Date("2050-01-01T00:00:00Z")).toString("latin1", 2)).toBe("20500101000000Z");
    expect(time(new Date("2050-01-01T00:00:00Z"))[0]).toBe(0x18);
    expect(time(new Date("1949-06-01T12:00:00Z")).toString("latin1", 2)).toBe("19490601120000Z");
    expect(() => time(new Date(Number.NaN))).toThrow(DerEncodingError);
  });

  it("refuses non-ASCII text for IA5String", () => {
    expect(hex(ia5String("a.b"))).toBe("1603612e62");
    expect(() => ia5String("bücher.example")).toThrow(DerEncodingError);
  });

  it("produces structures openssl parses as the intended types", () => {
    const der = sequence(integer(5), objectIdentifier("2.5.29.17"), bitString(Buffer.from([0x80]), 7), ia5String("x"), time(new Date("2030-01-02T03:04:05Z")));
    const parsed = openssl(["asn1parse", "-inform", "DER"], der);
    expect(parsed.status).toBe(0);
    const result = parsed.stdout;
    expect(result).toContain("INTEGER           :05");
    expect(result).toContain("OBJECT            :X509v3 Subject Alternative Name");
    expect(result).toContain("BIT STRING");
    expect(result).toContain("IA5STRING         :x");
    expect(result).toContain("UTCTIME           :300102030405Z");
  });
});

describe("DER reader", () => {
  it("walks nested elements and reports exact offsets", () => {
    const der = sequence(integer(1), sequence(objectIdentifier("2.5.29.17")));
    const outer = readWhole(der, 0x30);
    const [first, second] = childrenOf(der, outer);
    expect(first?.tag).toBe(0x02);
    expect(second && childrenOf(der, second)[0]?.tag).toBe(0x06);
  });

  it("refuses trailing bytes, truncation, non-minimal lengths and overruns", () => {
    const der = sequence(integer(1));
    expect(() => readWhole(Buffer.concat([der, Buffer.from([0])]))).toThrow(DerDecodingError);
    expect(() => readWhole(der.subarray(0, der.length - 1))).toThrow(DerDecodingError);
    expect(() => readElement(Buffer.from("04810100", "hex"), 0)).toThrow(/non-minimal/);
    expect(() => readElement(Buffer.from("0482000100", "hex"), 0)).toThrow(/non-minimal/);
    expect(() => readWhole(Buffer.from("3003020101", "hex").subarray(0, 4))).toThrow(DerDecodingError);
    expect(() => readWhole(sequence(integer(1)), 0x31)).toThrow(/expected tag 0x31/);
  });
});

describe("PEM", () => {
  it("wraps base64 at 64 characters and round-trips", () => {
    const der = Buffer.alloc(100, 0xab);
    const pem = toPem(der, "CERTIFICATE");
    const lines = pem.trimEnd().split("\n");
    expect(lines[0]).toBe("-----BEGIN CERTIFICATE-----");
    expect(lines.at(-1)).toBe("-----END CERTIFICATE-----");
    expect(lines.slice(1, -1).every((line) => line.length <= 64)).toBe(true);
    expect(lines[1]).toHaveLength(64);
    expect(pem.endsWith("-----\n")).toBe(true);
    expect(fromPem(pem, "CERTIFICATE").equals(der)).toBe(true);
    expect(() => fromPem(pem, "X509 CRL")).toThrow(DerDecodingError);
  });
});
