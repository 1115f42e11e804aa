/**
 * CAA lookups (RFC 8659 §4.1) over both transports a profile can use — UDP with TCP on truncation
 * (udp) and TCP only (tcp), both through our own DNS client — against the test DNS server, which
 * writes the records from RFC 8659 on its own.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Deadline } from "../../src/validation/deadline.js";
import { dnsLookupFor } from "../../src/validation/dns/lookup.js";
import { startDnsServer, type TestDnsServer } from "../support/dns-server.js";

let dns: TestDnsServer;

beforeAll(async () => {
  dns = await startDnsServer();
});
afterAll(async () => {
  await dns.close();
});
beforeEach(() => dns.clear());

for (const protocol of ["udp", "tcp"] as const) {
  describe(`CAA lookups over ${protocol}`, () => {
    const caa = (name: string, timeoutMs = 2_000) =>
      dnsLookupFor({ suffixes: [""], dnsServers: [dns.address], protocol }, Deadline.start(timeoutMs)).caa(name);

    it("reports each record's critical flag, its tag in lower case and its value as published", async () => {
      dns.setCaa("shop.test", [
        { flags: 0, tag: "issue", value: "ca.example.test; accounturi=https://ca.example.test/acct/1" },
        { flags: 128, tag: "tbs", value: "Unknown" },
        { flags: 0, tag: "IssueWild", value: ";" },
        { flags: 1, tag: "iodef", value: "mailto:security@shop.test" },
      ]);
      expect(await caa("shop.test")).toEqual({
        ok: true,
        records: [
          { critical: false, tag: "issue", value: "ca.example.test; accounturi=https://ca.example.test/acct/1" },
          { critical: true, tag: "tbs", value: "Unknown" },
          { critical: false, tag: "issuewild", value: ";" },
          // Only bit 0 (the octet's 128) is the issuer critical flag; the others are reserved.
          { critical: false, tag: "iodef", value: "mailto:security@shop.test" },
        ],
      });
      const asked = dns.queries.filter((q) => q.name === "shop.test");
      expect(asked.map((q) => q.type)).toContain("CAA");
      if (protocol === "tcp") expect(asked.every((q) => q.transport === "tcp")).toBe(true);
    });

    it("says nodata for a name without CAA records and nxdomain for a name that does not exist", async () => {
      dns.setA("www.shop.test", ["127.0.0.1"]);
      expect(await caa("www.shop.test")).toEqual({ ok: false, failure: "nodata" });
      expect(await caa("nowhere.test")).toEqual({ ok: false, failure: "nxdomain" });
    });

    it("follows a CNAME to the target's CAA records (RFC 8659 §3: aliases are chased)", async () => {
      dns.setCname("www.shop.test", "cdn.provider.test");
      dns.setCaa("cdn.provider.test", [{ flags: 0, tag: "issue", value: "cdn-ca.test" }]);
      expect(await caa("www.shop.test")).toEqual({ ok: true, records: [{ critical: false, tag: "issue", value: "cdn-ca.test" }] });
    });

    it("reports SERVFAIL, REFUSED and silence as failures, not as an absence of records", async () => {
      dns.setFault("broken.test", "servfail");
      expect(await caa("broken.test")).toEqual({ ok: false, failure: "servfail" });
      dns.setFault("broken.test", "refused");
      expect(await caa("broken.test")).toEqual({ ok: false, failure: "refused" });
      dns.setFault("broken.test", "drop");
      expect(await caa("broken.test", 300)).toEqual({ ok: false, failure: "timeout" });
    });
  });
}

describe("CAA records as published, over either transport (our own client reads the octets)", () => {
  const lookup = (protocol: "udp" | "tcp") =>
    dnsLookupFor({ suffixes: [""], dnsServers: [dns.address], protocol }, Deadline.start(2_000));

  for (const protocol of ["udp", "tcp"] as const) {
    it(`keeps the flags of a record whose tag is "critical" (${protocol})`, async () => {
      dns.setCaa("odd.test", [{ flags: 0, tag: "critical", value: "x" }]);
      expect(await lookup(protocol).caa("odd.test")).toEqual({ ok: true, records: [{ critical: false, tag: "critical", value: "x" }] });
    });

    it(`reads an issue record with an empty value, which RFC 8659 §4.2 allows (${protocol})`, async () => {
      dns.setCaa("empty.test", [{ flags: 0, tag: "issue", value: "" }]);
      expect(await lookup(protocol).caa("empty.test")).toEqual({ ok: true, records: [{ critical: false, tag: "issue", value: "" }] });
    });

    it(`reads a value past a NUL octet, so a malformed value is never read as a shorter valid one (${protocol})`, async () => {
      dns.setCaa("nul.test", [{ flags: 0, tag: "issue", value: "ca.example.test\u0000.evil.test" }]);
      expect(await lookup(protocol).caa("nul.test")).toEqual({ ok: true, records: [{ critical: false, tag: "issue", value: "ca.example.test\u0000.evil.test" }] });
    });
  }

  it("asks over UDP for protocol udp, and again over TCP when the answer comes back truncated", async () => {
    dns.setCaa("small.test", [{ flags: 0, tag: "issue", value: "ca.example.test" }]);
    expect(await lookup("udp").caa("small.test")).toMatchObject({ ok: true });
    expect(dns.queries.filter((q) => q.name === "small.test").map((q) => q.transport)).toEqual(["udp"]);

    const many = Array.from({ length: 12 }, (_, i) => ({ flags: 0, tag: "issue", value: `ca-${i}.example.test; accounturi=https://ca-${i}.example.test/acct/${"7".repeat(20)}` }));
    dns.setCaa("big.test", many);
    expect(await lookup("udp").caa("big.test")).toEqual({ ok: true, records: many.map(({ tag, value }) => ({ critical: false, tag, value })) });
    expect(dns.queries.filter((q) => q.name === "big.test").map((q) => q.transport)).toEqual(["udp", "tcp"]);
  });
});
