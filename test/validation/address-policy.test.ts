import { describe, expect, it } from "vitest";
import { AddressPolicy, connectionOrder } from "../../src/validation/address-policy.js";
import { bytesToIp, ipToBytes, normaliseAddress, reverseName } from "../../src/validation/ip.js";
import { cidrs } from "./fixtures.js";

describe("address policy (reference §3.4 resolved-ip-policy)", () => {
  it("checks deny first, then allow", () => {
    const policy = new AddressPolicy(cidrs("10.0.0.0/8"), cidrs("10.1.0.0/16"));
    expect(policy.permits("10.2.3.4")).toBe(true);
    expect(policy.permits("10.1.2.3")).toBe(false);
    expect(policy.permits("192.0.2.1")).toBe(false);
  });

  it("allows whatever is not denied when the allow list is empty", () => {
    const policy = new AddressPolicy([], cidrs("169.254.0.0/16", "fe80::/10"));
    expect(policy.permits("192.0.2.1")).toBe(true);
    expect(policy.permits("169.254.169.254")).toBe(false);
    expect(policy.permits("fe80::1")).toBe(false);
    expect(policy.permits("2001:db8::1")).toBe(true);
  });

  it("keeps families apart: ::/0 says nothing about IPv4", () => {
    const policy = new AddressPolicy(cidrs("::/0"), []);
    expect(policy.permits("2001:db8::1")).toBe(true);
    expect(policy.permits("192.0.2.1")).toBe(false);
    const denyV6 = new AddressPolicy([], cidrs("::/0"));
    expect(denyV6.permits("192.0.2.1")).toBe(true);
  });

  it("applies a rule written in IPv4-mapped form to the IPv4 addresses it means", () => {
    const policy = new AddressPolicy([], cidrs("::ffff:10.0.0.0/104"));
    expect(policy.permits("10.9.9.9")).toBe(false);
    expect(policy.permits("11.0.0.1")).toBe(true);
  });

  it("never permits the unspecified addresses, which reach this very host", () => {
    const policy = new AddressPolicy(cidrs("0.0.0.0/0", "::/0"), []);
    expect(policy.permits("0.0.0.0")).toBe(false);
    expect(policy.permits("::")).toBe(false);
    expect(policy.permits("1.1.1.1")).toBe(true);
  });

  it("tries IPv6 addresses first, keeping the resolver's order inside a family", () => {
    expect(connectionOrder(["192.0.2.1", "2001:db8::2", "192.0.2.1", "192.0.2.3", "2001:db8::1"])).toEqual([
      "2001:db8::2",
      "2001:db8::1",
      "192.0.2.1",
      "192.0.2.3",
    ]);
  });
});

describe("IP address forms", () => {
  it("unwraps IPv4-mapped IPv6 and canonicalises IPv6 (RFC 5952)", () => {
    expect(normaliseAddress("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(normaliseAddress("::ffff:7f00:2")).toBe("127.0.0.2");
    expect(normaliseAddress("2001:DB8:0:0:0:0:0:1")).toBe("2001:db8::1");
    expect(normaliseAddress("not an address")).toBeUndefined();
  });

  it("converts between text and bytes", () => {
    expect(Array.from(ipToBytes("::1.2.3.4") ?? [])).toEqual([...Array<number>(12).fill(0), 1, 2, 3, 4]);
    expect(Array.from(ipToBytes("1:2:3:4:5:6:7.8.9.10") ?? []).slice(12)).toEqual([7, 8, 9, 10]);
    expect(bytesToIp(Uint8Array.from([32, 1, 13, 184, ...Array<number>(11).fill(0), 1]))).toBe("2001:db8::1");
    expect(bytesToIp(Uint8Array.from([1, 2, 3]))).toBeUndefined();
  });

  it("builds the reverse names RFC 8738 §6 uses as SNI", () => {
    expect(reverseName("192.0.2.10")).toBe("10.2.0.192.in-addr.arpa");
    expect(reverseName("2001:db8::567:89ab")).toBe("b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  });
});
