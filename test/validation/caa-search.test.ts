/**
 * The relevant RRset (RFC 8659 §3): the search climbs from the name towards the root, asks each
 * name the resolver the profile gives it, and fails closed on anything but "no records here".
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkCaa } from "../../src/validation/caa/check-caa.js";
import { findRelevantRrset } from "../../src/validation/caa/relevant-rrset.js";
import type { CaaRequest } from "../../src/validation/caa/types.js";
import { Deadline } from "../../src/validation/deadline.js";
import type { DnsAnswer } from "../../src/validation/dns/failure.js";
import type { CaaRecord } from "../../src/validation/dns/lookup.js";
import { startDnsServer, type TestDnsServer } from "../support/dns-server.js";
import { loopbackProfile } from "./fixtures.js";

const ISSUE_OTHER: CaaRecord = { critical: false, tag: "issue", value: "other-ca.test" };

describe("the climb (pure)", () => {
  const answers = (table: Record<string, DnsAnswer<CaaRecord>>) => {
    const asked: string[] = [];
    const lookup = async (name: string): Promise<DnsAnswer<CaaRecord>> => {
      asked.push(name);
      return table[name] ?? { ok: false, failure: "nodata" };
    };
    return { asked, lookup };
  };

  it("asks each name from the identifier up to the top-level label, never the root", async () => {
    const { asked, lookup } = answers({});
    expect(await findRelevantRrset("a.b.shop.test", lookup)).toEqual({ ok: true, rrset: null });
    expect(asked).toEqual(["a.b.shop.test", "b.shop.test", "shop.test", "test"]);
  });

  it("stops at the first name that has CAA records, through NXDOMAIN and NODATA below it", async () => {
    const { asked, lookup } = answers({
      "a.b.shop.test": { ok: false, failure: "nxdomain" },
      "shop.test": { ok: true, records: [ISSUE_OTHER] },
      test: { ok: false, failure: "servfail" },
    });
    expect(await findRelevantRrset("A.b.shop.test.", lookup)).toEqual({ ok: true, rrset: { owner: "shop.test", records: [ISSUE_OTHER] } });
    expect(asked).toEqual(["a.b.shop.test", "b.shop.test", "shop.test"]);
  });

  it.each(["servfail", "refused", "timeout", "cancelled", "unreachable", "malformed", "other"] as const)(
    "fails on %s instead of climbing past it",
    async (failure) => {
      const { asked, lookup } = answers({ "shop.test": { ok: false, failure }, test: { ok: true, records: [ISSUE_OTHER] } });
      expect(await findRelevantRrset("www.shop.test", lookup)).toEqual({ ok: false, at: "shop.test", failure });
      expect(asked).toEqual(["www.shop.test", "shop.test"]);
    },
  );
});

let dns: TestDnsServer;
let parentDns: TestDnsServer;

beforeAll(async () => {
  [dns, parentDns] = await Promise.all([startDnsServer(), startDnsServer()]);
});
afterAll(async () => {
  await Promise.all([dns.close(), parentDns.close()]);
});
beforeEach(() => {
  dns.clear();
  parentDns.clear();
});

const US = ["pki.corp.test"];
const request = (name: string, change: Partial<CaaRequest> = {}): CaaRequest => ({
  name,
  wildcard: false,
  accountUris: ["https://acme.corp.test/acme/acct/1"],
  challengeType: "http-01",
  ...change,
});

for (const protocol of ["udp", "tcp"] as const) {
  describe(`the CAA check over ${protocol}`, () => {
    const profile = (timeoutMs = 2_000) => loopbackProfile({ dnsServer: dns.address, protocol, timeoutMs });
    const check = (r: CaaRequest, timeoutMs?: number) => checkCaa(r, US, profile(timeoutMs), Deadline.start(timeoutMs ?? 2_000));

    it("refuses a child by its parent's records and permits where nothing is published", async () => {
      dns.setA("www.shop.test", ["127.0.0.1"]);
      dns.setCaa("shop.test", [{ flags: 0, tag: "issue", value: "other-ca.test" }]);
      expect(await check(request("www.shop.test"))).toEqual({
        kind: "refused",
        detail: "CAA records for www.shop.test (published at shop.test) allow only other-ca.test to issue, not pki.corp.test",
      });
      expect(await check(request("www.elsewhere.test"))).toEqual({ kind: "permitted" });
      // (c-ares may still be retrying an earlier test's dropped query over udp: only this transport counts)
      expect(dns.queries.filter((q) => q.type === "CAA" && q.transport === protocol).map((q) => q.name)).toEqual(["www.shop.test", "shop.test", "www.elsewhere.test", "elsewhere.test", "test"]);
    });

    it("is unavailable, naming the name and the failure, when a parent's lookup fails", async () => {
      dns.setFault("shop.test", "servfail");
      expect(await check(request("www.shop.test"))).toEqual({
        kind: "unavailable",
        detail: "Checking CAA for www.shop.test: looking up CAA records at shop.test: the DNS server failed to answer (SERVFAIL)",
      });
      dns.setFault("shop.test", "drop");
      expect(await check(request("www.shop.test", { wildcard: true }), 300)).toEqual({
        kind: "unavailable",
        detail: "Checking CAA for *.www.shop.test: looking up CAA records at shop.test: timed out",
      });
    });
  });
}

describe("resolvers per name", () => {
  it("asks each name the zone of the profile that answers for it", async () => {
    const profile = loopbackProfile({ dnsServer: dns.address, suffixes: ["shop.test"] });
    const split = { ...profile, zones: [...profile.zones, { suffixes: [""], dnsServers: [parentDns.address], protocol: "udp" as const }] };
    parentDns.setCaa("test", [{ flags: 0, tag: "issue", value: "other-ca.test" }]);
    dns.setCaa("test", [{ flags: 0, tag: "issue", value: "pki.corp.test" }]);
    const outcome = await checkCaa(request("www.shop.test"), US, split, Deadline.start(2_000));
    expect(outcome).toEqual({
      kind: "refused",
      detail: "CAA records for www.shop.test (published at test) allow only other-ca.test to issue, not pki.corp.test",
    });
    expect(dns.queries.map((q) => q.name)).toEqual(["www.shop.test", "shop.test"]);
    expect(parentDns.queries.map((q) => q.name)).toEqual(["test"]);
  });
});
