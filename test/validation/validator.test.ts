import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createValidator, ValidationSetupError, type ValidationOutcome, type ValidationProfile } from "../../src/validation/index.js";
import { startHttp01Responder, type Http01Responder } from "../support/challenge-responders.js";
import { startDnsServer, type TestDnsServer } from "../support/dns-server.js";
import { challenge, cidrs, loopbackProfile, startScriptedServer } from "./fixtures.js";

let corpDns: TestDnsServer;
let otherDns: TestDnsServer;
let responder: Http01Responder;

beforeAll(async () => {
  corpDns = await startDnsServer();
  otherDns = await startDnsServer();
  responder = await startHttp01Responder();
  corpDns.setA("www.corp.test", ["127.0.0.1"]);
  otherDns.setA("www.other.test", ["127.0.0.1"]);
});
afterAll(async () => {
  await responder.close();
  await corpDns.close();
  await otherDns.close();
});

function problemOf(outcome: ValidationOutcome) {
  if (outcome.status !== "invalid") throw new Error(`expected an invalid outcome, got ${JSON.stringify(outcome)}`);
  return outcome.problem;
}

const INTERNAL = { type: "serverInternal", detail: "The server could not complete this validation because of an internal error" };

describe("profile and zone selection", () => {
  const profile = (name: string, suffixes: string[], dns: TestDnsServer, deny: string[] = []): ValidationProfile => ({
    ...loopbackProfile({ dnsServer: dns.address, http01: responder.port, suffixes, deny, name }),
  });

  it("uses the profile whose zone has the longest matching suffix", async () => {
    const validate = createValidator([profile("catch-all", [""], otherDns), profile("corp", ["corp.test"], corpDns)]);
    for (const name of ["www.corp.test", "www.other.test"]) {
      const c = challenge("http-01", name);
      responder.set(c.token, c.keyAuthorization);
      expect(await validate(c)).toEqual({ status: "valid", address: "127.0.0.1" });
    }
  });

  it("uses the profile the order's issuance policy names, whatever the suffixes say", async () => {
    const validate = createValidator([profile("open", [""], otherDns), profile("strict", [""], otherDns, ["127.0.0.0/8"])]);
    const c = challenge("http-01", "www.other.test");
    responder.set(c.token, c.keyAuthorization);
    expect((await validate(c)).status).toBe("valid");
    const strict = await validate({ ...c, profile: "strict" });
    expect(strict).toMatchObject({ status: "invalid", problem: { type: "connection" } });
  });

  it("uses the zone with the longest matching suffix inside a profile", async () => {
    const base = loopbackProfile({ dnsServer: otherDns.address, http01: responder.port });
    const validate = createValidator([
      {
        ...base,
        zones: [
          { suffixes: ["test"], dnsServers: [otherDns.address], protocol: "udp" },
          { suffixes: ["corp.test"], dnsServers: [corpDns.address], protocol: "udp" },
        ],
      },
    ]);
    const c = challenge("http-01", "www.corp.test");
    responder.set(c.token, c.keyAuthorization);
    expect((await validate(c)).status).toBe("valid");
  });

  it("judges IP identifiers by the first profile's policy", async () => {
    const c = challenge("http-01", "127.0.0.1", "ip");
    responder.set(c.token, c.keyAuthorization);
    const refusing = createValidator([profile("first", [""], otherDns, ["127.0.0.0/8"]), profile("second", [""], otherDns)]);
    expect(problemOf(await refusing(c)).type).toBe("connection");
    const allowing = createValidator([profile("first", [""], otherDns), profile("second", [""], otherDns, ["127.0.0.0/8"])]);
    expect((await allowing(c)).status).toBe("valid");
  });

  it("refuses to start without a profile", () => {
    expect(() => createValidator([])).toThrow(ValidationSetupError);
  });
});

describe("the validator's contract", () => {
  const plain = (timeoutMs = 5_000): ValidationProfile => loopbackProfile({ dnsServer: otherDns.address, timeoutMs });

  it("turns a bug into serverInternal without revealing it", async () => {
    const validate = createValidator([plain()], {
      checks: {
        "http-01": () => {
          throw new TypeError("secret internal state: /etc/certeasy/key.pem");
        },
        "dns-01": () => Promise.reject(new Error("secret")),
      },
    });
    expect(problemOf(await validate(challenge("http-01", "a.test")))).toEqual(INTERNAL);
    expect(problemOf(await validate(challenge("dns-01", "a.test")))).toEqual(INTERNAL);
  });

  it("returns at the deadline even when a check ignores it", async () => {
    const validate = createValidator([plain(200)], { checks: { "http-01": () => new Promise<never>(() => undefined) } });
    const problem = problemOf(await validate(challenge("http-01", "a.test")));
    expect(problem).toEqual({ type: "connection", detail: "Validating http-01 for a.test: timed out after 200 ms" });
  });

  it("stops when the caller aborts, with an outcome that blames the server, not the client", async () => {
    const silent = await startScriptedServer(() => undefined);
    otherDns.setA("slow.test", ["127.0.0.1"]);
    try {
      const validate = createValidator([{ ...plain(), ports: { http01: silent.port, tlsAlpn01: 1 } }]);
      const controller = new AbortController();
      const pending = validate(challenge("http-01", "slow.test"), controller.signal);
      while (silent.paths.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      controller.abort();
      expect(problemOf(await pending)).toEqual({ type: "serverInternal", detail: "The server stopped this validation before it finished" });
      expect(problemOf(await validate(challenge("http-01", "slow.test"), AbortSignal.abort())).type).toBe("serverInternal");
    } finally {
      await silent.close();
    }
  });

  it.each([
    ["dns", "*.a.test", 'a wildcard'],
    ["dns", "a..test", "is not a DNS name this server can validate"],
    ["dns", "127.0.0.1", "is not a DNS name this server can validate"],
    ["ip", "a.test", "is not an IP address"],
  ] as const)("refuses the %s identifier %s before any network traffic", async (type, value, expected) => {
    const before = otherDns.queries.length;
    const validate = createValidator([plain()]);
    const problem = problemOf(await validate(challenge("http-01", value, type)));
    expect(problem.type).toBe("rejectedIdentifier");
    expect(problem.detail).toContain(expected);
    expect(otherDns.queries.length).toBe(before);
  });

  it("accepts a name written with capitals or a trailing dot as its canonical form", async () => {
    const c = challenge("http-01", "WWW.Other.TEST.");
    responder.set(c.token, c.keyAuthorization);
    const validate = createValidator([{ ...plain(), ports: { http01: responder.port, tlsAlpn01: 1 }, allowCidrs: cidrs("127.0.0.1/32") }]);
    expect((await validate(c)).status).toBe("valid");
  });
});
