import { describe, expect, it } from "vitest";
import { parseCidr } from "../../../src/config/network.js";
import { cidrContains } from "../../../src/domain/policy/index.js";

function cidr(text: string) {
  const parsed = parseCidr(text);
  if (parsed === undefined) throw new Error(`not a CIDR: ${text}`);
  return parsed;
}

describe("cidrContains", () => {
  it.each<[string, string, boolean]>([
    ["10.0.0.0/8", "10.0.0.1", true],
    ["10.0.0.0/8", "10.255.255.255", true],
    ["10.0.0.0/8", "11.0.0.0", false],
    ["10.0.0.0/8", "9.255.255.255", false],
    ["192.0.2.0/25", "192.0.2.127", true],
    ["192.0.2.0/25", "192.0.2.128", false],
    // host bits in the written network are ignored, as in every CIDR parser
    ["10.1.2.3/8", "10.200.0.1", true],
    ["192.0.2.7", "192.0.2.7", true],
    ["192.0.2.7", "192.0.2.8", false],
    ["0.0.0.0/0", "203.0.113.9", true],
    ["0.0.0.0/0", "2001:db8::1", false],
    ["::/0", "2001:db8::1", true],
    ["::/0", "10.0.0.1", false],
    ["2001:db8::/32", "2001:db8:ffff::1", true],
    ["2001:db8::/32", "2001:db9::1", false],
    ["2001:db8::/127", "2001:db8::1", true],
    ["2001:db8::/127", "2001:db8::2", false],
    ["2001:db8:0:0:0:0:0:0/64", "2001:db8::abcd:1", true],
    ["2001:db8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", true],
    ["fe80::/10", "febf::1", true],
    ["fe80::/10", "fec0::1", false],
    // IPv4-mapped IPv6 is IPv6: an IPv4 range does not allow it, an IPv6 one can
    ["10.0.0.0/8", "::ffff:10.0.0.1", false],
    ["::ffff:0:0/96", "::ffff:10.0.0.1", true],
    ["::ffff:10.0.0.0/104", "::ffff:a00:1", true],
    ["::ffff:10.0.0.0/104", "::ffff:b00:1", false],
    // not addresses
    ["0.0.0.0/0", "10.0.0", false],
    ["0.0.0.0/0", "host.example.com", false],
    ["::/0", "fe80::1%eth0", false],
    ["::/0", "", false],
  ])("%s contains %j → %s", (network, address, expected) => {
    expect(cidrContains(cidr(network), address)).toBe(expected);
  });
});
