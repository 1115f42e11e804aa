import { describe, expect, it } from "vitest";
import { ipAddressOctets } from "../../src/ca/x509/ip-address.js";

const hex = (text: string): string | undefined => {
  const octets = ipAddressOctets(text);
  return octets && Buffer.from(octets).toString("hex");
};

describe("IP address octets for an iPAddress SAN", () => {
  it("gives four octets for IPv4", () => {
    expect(hex("192.0.2.1")).toBe("c0000201");
    expect(hex("0.0.0.0")).toBe("00000000");
    expect(hex("255.255.255.255")).toBe("ffffffff");
  });

  it("gives sixteen octets for every IPv6 text form", () => {
    expect(hex("::")).toBe("0".repeat(32));
    expect(hex("::1")).toBe(`${"0".repeat(30)}01`);
    expect(hex("2001:db8::1")).toBe("20010db8000000000000000000000001");
    expect(hex("2001:DB8:0:0:8:800:200C:417A")).toBe("20010db80000000000080800200c417a");
    expect(hex("fe80::")).toBe(`fe80${"0".repeat(28)}`);
    expect(hex("1:2:3:4:5:6:7::")).toBe("00010002000300040005000600070000");
    expect(hex("::ffff:192.0.2.1")).toBe("00000000000000000000ffffc0000201");
    expect(hex("64:ff9b::10.0.0.1")).toBe("0064ff9b0000000000000000" + "0a000001");
  });

  it("refuses zones, names and malformed text", () => {
    for (const bad of ["fe80::1%eth0", "example.com", "1.2.3", "1.2.3.256", "01.2.3.4", "2001:db8:::1", "", " 192.0.2.1", "[::1]"]) {
      expect(ipAddressOctets(bad), bad).toBeUndefined();
    }
  });
});
