/**
 * The whitelist remembers its answers per address (the `global` limit asks on every request):
 * the remembered answers must be the ones the CIDR list gives, including after the bounded
 * memo has been emptied by a flood of distinct addresses.
 */
import { describe, expect, it } from "vitest";
import { parseCidr } from "../../src/config/network.js";
import type { Cidr } from "../../src/config/types.js";
import { whitelist, WHITELIST_MEMO_SIZE } from "../../src/ratelimit/whitelist.js";

const cidrs = (...texts: string[]): Cidr[] =>
  texts.map((text) => {
    const cidr = parseCidr(text);
    if (!cidr) throw new Error(`bad CIDR in test: ${text}`);
    return cidr;
  });

describe("whitelist", () => {
  it("answers the same when asked again, for IPv4, IPv4-mapped IPv6 and IPv6", () => {
    const listed = whitelist(cidrs("10.0.0.0/8", "2001:db8::1/128"));
    for (let round = 0; round < 2; round++) {
      expect(listed("10.1.2.3")).toBe(true);
      expect(listed("::ffff:10.1.2.3")).toBe(true);
      expect(listed("11.0.0.1")).toBe(false);
      expect(listed("2001:db8::1")).toBe(true);
      expect(listed("2001:db8::2")).toBe(false);
      expect(listed("unknown")).toBe(false);
    }
  });

  it("stays right after a flood of distinct addresses empties its memo", () => {
    const listed = whitelist(cidrs("192.0.2.0/24"));
    expect(listed("192.0.2.7")).toBe(true);
    expect(listed("198.51.100.7")).toBe(false);
    for (let i = 0; i < WHITELIST_MEMO_SIZE + 10; i++) {
      expect(listed(`203.0.${(i >> 8) & 255}.${i & 255}`)).toBe(false);
    }
    expect(listed("192.0.2.7")).toBe(true);
    expect(listed("198.51.100.7")).toBe(false);
  });

  it("lists nothing when empty", () => {
    expect(whitelist([])("127.0.0.1")).toBe(false);
  });
});
