import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createValidator, type ValidationOutcome } from "../../src/validation/index.js";
import { startDnsServer, type TestDnsServer } from "../support/dns-server.js";
import { challenge, closedPort, loopbackProfile } from "./fixtures.js";

let dns: TestDnsServer;

beforeAll(async () => {
  dns = await startDnsServer();
});
afterAll(async () => {
  await dns.close();
});
beforeEach(() => dns.clear());

/** RFC 8555 §8.4, computed here independently of the validator. */
const digestOf = (keyAuthorization: string): string => createHash("sha256").update(keyAuthorization).digest("base64url");

function problemOf(outcome: ValidationOutcome) {
  if (outcome.status !== "invalid") throw new Error(`expected an invalid outcome, got ${JSON.stringify(outcome)}`);
  return outcome.problem;
}

for (const protocol of ["udp", "tcp"] as const) {
  describe(`dns-01 over ${protocol}`, () => {
    const validate = (extra: Partial<Parameters<typeof loopbackProfile>[0]> = {}) =>
      createValidator([loopbackProfile({ dnsServer: dns.address, protocol, ...extra })]);

    it("is valid when one TXT record is the digest, its strings joined", async () => {
      const c = challenge("dns-01", "a.test");
      const digest = digestOf(c.keyAuthorization);
      dns.setTxt("_acme-challenge.a.test", ["unrelated", [digest.slice(0, 10), digest.slice(10)]]);
      expect(await validate()(c)).toEqual({ status: "valid", address: null });
      const asked = dns.queries.filter((q) => q.name === "_acme-challenge.a.test");
      expect(asked.map((q) => q.transport)).toContain(protocol);
      if (protocol === "tcp") expect(asked.every((q) => q.transport === "tcp")).toBe(true);
    });

    it("follows a CNAME to the record (delegated validation)", async () => {
      const c = challenge("dns-01", "a.test");
      dns.setCname("_acme-challenge.a.test", "a.acme-delegate.test");
      dns.setTxt("a.acme-delegate.test", [digestOf(c.keyAuthorization)]);
      expect((await validate()(c)).status).toBe("valid");
    });

    it("reports unauthorized naming how many records it found and showing at most three", async () => {
      const c = challenge("dns-01", "a.test");
      dns.setTxt("_acme-challenge.a.test", ["one", "two", "three", "four"]);
      expect(problemOf(await validate()(c))).toEqual({
        type: "unauthorized",
        detail:
          'Looking up TXT records for _acme-challenge.a.test: found 4 records ("one", "two", "three" and 1 more), none of them the digest of this challenge\'s key authorization',
      });
    });

    it("reports dns for NXDOMAIN, for a name without TXT records, and for SERVFAIL", async () => {
      const c = challenge("dns-01", "a.test");
      expect(problemOf(await validate()(c))).toEqual({
        type: "dns",
        detail: "Looking up TXT records for _acme-challenge.a.test: no such name (NXDOMAIN)",
      });
      dns.setA("_acme-challenge.a.test", ["127.0.0.1"]);
      expect(problemOf(await validate()(c)).detail).toBe("Looking up TXT records for _acme-challenge.a.test: no TXT record");
      dns.setFault("_acme-challenge.a.test", "servfail");
      expect(problemOf(await validate()(c))).toMatchObject({ type: "dns", detail: expect.stringContaining("SERVFAIL") });
    });

    it("reports dns when the server never answers, once the timeout has passed", async () => {
      const c = challenge("dns-01", "a.test");
      dns.setFault("_acme-challenge.a.test", "drop");
      const problem = problemOf(await validate({ timeoutMs: 400 })(c));
      expect(problem.type).toBe("dns");
      expect(problem.detail).toContain("timed out");
    });

    it("moves on to the next DNS server when the first cannot be reached", async () => {
      const c = challenge("dns-01", "a.test");
      dns.setTxt("_acme-challenge.a.test", [digestOf(c.keyAuthorization)]);
      const dead = `127.0.0.1:${await closedPort()}`;
      const profile = loopbackProfile({ dnsServer: dns.address, protocol });
      const validator = createValidator([{ ...profile, zones: [{ ...profile.zones[0]!, dnsServers: [dead, dns.address] }] }]);
      expect((await validator(c)).status).toBe("valid");
    });
  });
}

describe("dns-01 transport details", () => {
  it("over udp, retries a truncated answer over TCP", async () => {
    const c = challenge("dns-01", "big.test");
    const filler = Array.from({ length: 12 }, (_, i) => `${i}`.padEnd(200, "x"));
    dns.setTxt("_acme-challenge.big.test", [...filler, digestOf(c.keyAuthorization)]);
    const validate = createValidator([loopbackProfile({ dnsServer: dns.address, protocol: "udp" })]);
    expect((await validate(c)).status).toBe("valid");
    const transports = dns.queries.filter((q) => q.name === "_acme-challenge.big.test").map((q) => q.transport);
    expect(transports).toEqual(["udp", "tcp"]);
  });

  it("over udp, a validation cancelled by the server does not cut short another one of the same profile", async () => {
    // Both validations share the profile's resolver channel; cancelling one must not cancel the channel.
    const validate = createValidator([loopbackProfile({ dnsServer: dns.address, protocol: "udp", timeoutMs: 1_500 })]);
    const waiting = challenge("dns-01", "slow.test");
    dns.setTxt("_acme-challenge.slow.test", [digestOf(waiting.keyAuthorization)]);
    dns.setFault("_acme-challenge.slow.test", "drop");
    const cancelled = challenge("dns-01", "gone.test");
    dns.setFault("_acme-challenge.gone.test", "drop");
    const stop = new AbortController();
    const slow = validate(waiting);
    const gone = validate(cancelled, stop.signal);
    await new Promise((resolve) => setTimeout(resolve, 100));
    stop.abort();
    expect(problemOf(await gone).detail).toBe("The server stopped this validation before it finished");
    // c-ares asks again after its first timeout (500 ms here): this time the server answers.
    dns.clear("_acme-challenge.slow.test");
    dns.setTxt("_acme-challenge.slow.test", [digestOf(waiting.keyAuthorization)]);
    expect(await slow).toEqual({ status: "valid", address: null });
  });

  it("refuses dns-01 for an IP identifier (RFC 8738 §7) without any query", async () => {
    const c = challenge("dns-01", "127.0.0.1", "ip");
    const validate = createValidator([loopbackProfile({ dnsServer: dns.address })]);
    expect(problemOf(await validate(c))).toEqual({ type: "rejectedIdentifier", detail: "dns-01 cannot validate the IP address 127.0.0.1" });
    expect(dns.queries.filter((q) => q.name.includes("127"))).toEqual([]);
  });
});
