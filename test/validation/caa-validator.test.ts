/**
 * CAA as the last step of a validation: with `caa-identities`, a DNS name whose challenge passed
 * is checked against its relevant CAA RRset (RFC 8659), and a refusal is the `caa` error; without
 * identities, or for an IP address, no CAA query is ever sent.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createValidator, type ChallengeToValidate, type ValidationOutcome } from "../../src/validation/index.js";
import { startHttp01Responder, type Http01Responder } from "../support/challenge-responders.js";
import { startDnsServer, type TestDnsServer } from "../support/dns-server.js";
import { challenge, loopbackProfile, TEST_ACCOUNT_URL } from "./fixtures.js";

let dns: TestDnsServer;
let responder: Http01Responder;

beforeAll(async () => {
  [dns, responder] = await Promise.all([startDnsServer({ defaultA: "127.0.0.1" }), startHttp01Responder()]);
});
afterAll(async () => {
  await Promise.all([dns.close(), responder.close()]);
});
beforeEach(() => dns.clear());

const US = ["pki.corp.test"];
const profile = (timeoutMs = 2_000) => ({ ...loopbackProfile({ dnsServer: dns.address, http01: responder.port, timeoutMs }) });
const validatorWith = (caaIdentities: readonly string[], timeoutMs?: number) => createValidator([profile(timeoutMs)], { caaIdentities });

/** A dns-01 challenge whose TXT record is in place: the challenge itself passes. */
function answeredDns01(name: string, change: Partial<ChallengeToValidate> = {}): ChallengeToValidate {
  const c = { ...challenge("dns-01", name), ...change };
  dns.setTxt(`_acme-challenge.${name}`, [createHash("sha256").update(c.keyAuthorization).digest("base64url")]);
  return c;
}

function answeredHttp01(name: string): ChallengeToValidate {
  const c = challenge("http-01", name);
  responder.set(c.token, c.keyAuthorization);
  return c;
}

function problemOf(outcome: ValidationOutcome) {
  if (outcome.status !== "invalid") throw new Error(`expected an invalid outcome, got ${JSON.stringify(outcome)}`);
  return outcome.problem;
}

const caaQueries = (): string[] => dns.queries.filter((q) => q.type === "CAA").map((q) => q.name);

describe("CAA after a passed challenge", () => {
  it("refuses with caa when the records name another CA, and the challenge stays otherwise valid", async () => {
    dns.setCaa("shop.test", [{ flags: 0, tag: "issue", value: "other-ca.test" }]);
    expect(problemOf(await validatorWith(US)(answeredDns01("shop.test")))).toEqual({
      type: "caa",
      detail: "CAA records for shop.test allow only other-ca.test to issue, not pki.corp.test",
    });
  });

  it("is valid when the records name this CA, or when there are none up to the top-level label", async () => {
    dns.setCaa("shop.test", [{ flags: 0, tag: "issue", value: "pki.corp.test" }]);
    expect(await validatorWith(US)(answeredDns01("shop.test"))).toEqual({ status: "valid", address: null });
    expect(await validatorWith(US)(answeredDns01("www.plain.test"))).toEqual({ status: "valid", address: null });
    expect(caaQueries()).toEqual(["shop.test", "www.plain.test", "plain.test", "test"]);
  });

  it("keeps the address that answered an http-01 challenge on a refusal, for the audit", async () => {
    dns.setCaa("web.test", [{ flags: 0, tag: "issue", value: ";" }]);
    const outcome = await validatorWith(US)(answeredHttp01("web.test"));
    expect(outcome).toEqual({
      status: "invalid",
      problem: { type: "caa", detail: 'CAA records for web.test allow no certificate authority to issue (issue ";")' },
      address: "127.0.0.1",
    });
  });

  it("does not look at CAA when the challenge failed: the challenge's own error is the answer", async () => {
    dns.setCaa("shop.test", [{ flags: 0, tag: "issue", value: "other-ca.test" }]);
    expect(problemOf(await validatorWith(US)(challenge("dns-01", "shop.test"))).type).toBe("dns");
    expect(caaQueries()).toEqual([]);
  });

  it("answers dns, naming CAA, when a lookup on the way up fails, so the queue retries it", async () => {
    dns.setFault("shop.test", "servfail");
    expect(problemOf(await validatorWith(US)(answeredDns01("www.shop.test")))).toEqual({
      type: "dns",
      detail: "Checking CAA for www.shop.test: looking up CAA records at shop.test: the DNS server failed to answer (SERVFAIL)",
    });
  });

  it("ends within the validation's deadline when a CAA lookup is never answered", async () => {
    dns.setFault("test", "drop");
    const started = Date.now();
    const problem = problemOf(await validatorWith(US, 600)(answeredDns01("slow.test")));
    expect(problem.type).toBe("dns");
    expect(problem.detail).toMatch(/^Checking CAA for slow\.test: .*timed out/);
    expect(Date.now() - started).toBeLessThan(600 + 500);
  });

  it("reads issuewild for a wildcard authorization", async () => {
    dns.setCaa("wild.test", [{ flags: 0, tag: "issuewild", value: ";" }]);
    expect(await validatorWith(US)(answeredDns01("wild.test"))).toEqual({ status: "valid", address: null });
    expect(problemOf(await validatorWith(US)(answeredDns01("wild.test", { wildcard: true })))).toEqual({
      type: "caa",
      detail: 'CAA records for *.wild.test (published at wild.test) allow no certificate authority to issue wildcard certificates (issuewild ";")',
    });
  });

  it("binds to the account and the challenge type the records name (RFC 8657)", async () => {
    dns.setCaa("bound.test", [{ flags: 0, tag: "issue", value: `pki.corp.test; accounturi=${TEST_ACCOUNT_URL}; validationmethods=dns-01` }]);
    expect((await validatorWith(US)(answeredDns01("bound.test"))).status).toBe("valid");
    const otherAccount = answeredDns01("bound.test", { accountUris: ["https://acme.corp.test/acme/acct/another"] });
    expect(problemOf(await validatorWith(US)(otherAccount)).type).toBe("caa");
    expect(problemOf(await validatorWith(US)(answeredHttp01("bound.test")))).toEqual({
      type: "caa",
      detail: "CAA records for bound.test allow pki.corp.test to issue only after validation by dns-01, and this name was validated by http-01",
    });
  });
});

describe("when CAA is not checked", () => {
  it("sends no CAA query without identities, even where the records would refuse", async () => {
    dns.setCaa("shop.test", [{ flags: 0, tag: "issue", value: "other-ca.test" }]);
    expect(await validatorWith([])(answeredDns01("shop.test"))).toEqual({ status: "valid", address: null });
    expect(await createValidator([profile()])(answeredDns01("shop.test"))).toEqual({ status: "valid", address: null });
    expect(caaQueries()).toEqual([]);
  });

  it("sends no CAA query for an IP address (RFC 8738 defines no CAA for IP identifiers)", async () => {
    const c = challenge("http-01", "127.0.0.1", "ip");
    responder.set(c.token, c.keyAuthorization);
    expect((await validatorWith(US)(c)).status).toBe("valid");
    expect(caaQueries()).toEqual([]);
  });
});
