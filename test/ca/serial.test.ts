import { describe, expect, it } from "vitest";
import { canonicalSerialHex, randomSerial } from "../../src/ca/local/serial.js";

describe("certificate serial numbers", () => {
  it("are positive, at most 16 octets, minimal DER INTEGER content and distinct", () => {
    const seen = new Set<string>();
    let shortened = 0;
    for (let i = 0; i < 20_000; i++) {
      const serial = randomSerial();
      const [first = 0, second = 0] = serial.octets;
      expect(serial.octets.length).toBeLessThanOrEqual(16);
      expect(first & 0x80).toBe(0);
      // X.690 §8.3.2: a leading 00 is allowed only in front of an octet with its top bit set.
      if (first === 0) expect(second & 0x80).toBe(0x80);
      expect(serial.hex).toBe(serial.octets.toString("hex"));
      expect(canonicalSerialHex(serial.hex)).toBe(serial.hex);
      if (serial.octets.length < 16) shortened++;
      seen.add(serial.hex);
    }
    expect(seen.size).toBe(20_000);
    // 1 draw in 128 starts with 00 and 1 in 256 gets shortened (~80 here): the rule above is exercised.
    expect(shortened).toBeGreaterThan(0);
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
