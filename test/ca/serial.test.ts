import { describe, expect, it } from "vitest";
import { type CrlScope, crlScopeOf } from "../../src/ca/local/crl-partition.js";
import { canonicalSerialHex, randomSerial } from "../../src/ca/local/serial.js";

describe("certificate serial numbers", () => {
  it("are 01 then 16 random octets: positive, minimal DER INTEGER content, distinct, spread over every CRL shard", () => {
    const seen = new Set<string>();
    const shards = new Map<CrlScope, number>();
    for (let i = 0; i < 20_000; i++) {
      const serial = randomSerial();
      expect(serial.octets.length).toBe(17);
      // Positive, no sign octet needed, and at least 2^128: above every legacy 16-octet serial.
      expect(serial.octets[0]).toBe(0x01);
      expect(serial.hex).toBe(serial.octets.toString("hex"));
      expect(canonicalSerialHex(serial.hex)).toBe(serial.hex);
      const scope = crlScopeOf(serial.hex, 16);
      shards.set(scope, (shards.get(scope) ?? 0) + 1);
      seen.add(serial.hex);
    }
    expect(seen.size).toBe(20_000);
    expect([...shards.keys()].sort((a, b) => Number(a) - Number(b))).toEqual(Array.from({ length: 16 }, (_, i) => i));
    // 1,250 each on average: none is starved or crowded (a loose bound, p of failing is negligible).
    for (const count of shards.values()) expect(count).toBeGreaterThan(1_000);
  });

  it("tell a partitioned serial from one issued before CRLs were partitioned", () => {
    // Serials of earlier versions: 16 random octets, top bit clear (and unknown short ones).
    for (const legacy of ["0a", "00ff", "7fffffffffffffffffffffffffffffff", "00ffffffffffffffffffffffffffffffff"]) expect(crlScopeOf(legacy, 16)).toBe("legacy");
    expect(crlScopeOf("0100000000000000000000000000000000", 16)).toBe(0);
    expect(crlScopeOf("01000000000000000000000000000000ab", 16)).toBe(0xb);
    expect(crlScopeOf("01000000000000000000000000000000ab", 64)).toBe(0x2b);
    expect(crlScopeOf("01000000000000000000000000000000ab", 1)).toBe(0);
  });

  it("canonicalises hex the way IssuedCertificate.serialHex spells it", () => {
    expect(canonicalSerialHex("0A")).toBe("0a");
    expect(canonicalSerialHex("a")).toBe("0a");
    expect(canonicalSerialHex("000102")).toBe("0102");
    expect(canonicalSerialHex("ff")).toBe("00ff");
    expect(canonicalSerialHex("00ff")).toBe("00ff");
    expect(canonicalSerialHex("5EA04A12E2C519396DE14E0271EDADF6")).toBe("5ea04a12e2c519396de14e0271edadf6");
  });

  it("refuses zero, non-hex and over-long serials", () => {
    for (const bad of ["", "0", "00", "0x12", "12:34", "zz", "1".repeat(43)]) expect(canonicalSerialHex(bad), bad).toBeUndefined();
  });
});
