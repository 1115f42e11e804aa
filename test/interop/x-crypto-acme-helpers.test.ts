/**
 * Reading what x-crypto-acme printed: the *acme.Error of a failed command, the HTTP exchanges
 * (where the problems x/crypto swallows are found), the Retry-After check of its polls, and
 * the EAB key an account was registered under in the server's events.
 */
import { describe, expect, it } from "vitest";
import { boundEabKeyId } from "./server-events.js";
import { shortProblemType } from "./acme-errors.js";
import { earlyPolls, linesOf, parseXcryptoOutput, pollsAfterRetryAfter, type HttpExchange } from "./x-crypto-acme-output.js";

const exchange = (url: string, sent: number, at: number, retryAfter: string | null = null): HttpExchange => ({ method: "POST", url, sent, at, status: 200, retryAfter, problem: null, links: [] });

describe("parseXcryptoOutput", () => {
  it("reads the *acme.Error of the error line, with its status and subproblems", () => {
    const stdout = [
      '{"at":1700000000100,"event":"http","method":"POST","sent":1700000000050,"status":400,"url":"https://localhost:1/acme/order/1/finalize","problem":{"type":"urn:ietf:params:acme:error:badCSR","detail":"2048 < 3072"}}',
      '{"event":"error","kind":"acme.Error","message":"400 urn:ietf:params:acme:error:badCSR: 2048 < 3072","problem":{"detail":"2048 < 3072","instance":"","status":400,"subproblems":[{"type":"urn:ietf:params:acme:error:rejectedIdentifier","detail":"no","identifier":{"type":"dns","value":"a.test"}}],"type":"urn:ietf:params:acme:error:badCSR"}}',
    ].join("\n");
    const output = parseXcryptoOutput(stdout);
    expect(output.error).toEqual({
      kind: "acme.Error",
      message: "400 urn:ietf:params:acme:error:badCSR: 2048 < 3072",
      problem: {
        type: "urn:ietf:params:acme:error:badCSR",
        detail: "2048 < 3072",
        status: 400,
        subproblems: [{ type: "urn:ietf:params:acme:error:rejectedIdentifier", detail: "no", identifier: { type: "dns", value: "a.test" } }],
      },
    });
    expect(output.exchanges).toEqual([
      { method: "POST", url: "https://localhost:1/acme/order/1/finalize", sent: 1700000000050, at: 1700000000100, status: 400, retryAfter: null, problem: { type: "urn:ietf:params:acme:error:badCSR", detail: "2048 < 3072" }, links: [] },
    ]);
  });

  it("keeps an error without a problem document (ErrNoAccount) and skips what is not a JSON line", () => {
    const stdout = ["panic: something", '{"event":"error","kind":"acme.ErrNoAccount","message":"acme: account does not exist"}', "{not json", '{"no":"event"}', ""].join("\n");
    expect(parseXcryptoOutput(stdout)).toEqual({ lines: [{ event: "error", fields: { kind: "acme.ErrNoAccount", message: "acme: account does not exist" } }], exchanges: [], error: { kind: "acme.ErrNoAccount", message: "acme: account does not exist", problem: null } });
  });

  it("lists the lines of one event and the Link fields of an exchange", () => {
    const stdout = [
      '{"event":"account","created":true,"url":"https://localhost:1/acme/acct/1"}',
      '{"event":"http","method":"POST","url":"https://localhost:1/acme/cert/1","sent":1,"at":2,"status":200,"links":["<https://localhost:1/acme/directory>;rel=\\"index\\"","<https://localhost:1/acme/cert/1/1>;rel=\\"alternate\\""]}',
      '{"event":"account","created":false,"url":"https://localhost:1/acme/acct/1"}',
    ].join("\n");
    const output = parseXcryptoOutput(stdout);
    expect(linesOf(output, "account").map((line) => line["created"])).toEqual([true, false]);
    expect(output.exchanges[0]?.links).toEqual(['<https://localhost:1/acme/directory>;rel="index"', '<https://localhost:1/acme/cert/1/1>;rel="alternate"']);
    expect(output.error).toBeNull();
  });
});

describe("shortProblemType", () => {
  it("drops the ACME URN prefix and leaves other URIs alone", () => {
    expect(shortProblemType("urn:ietf:params:acme:error:alreadyRevoked")).toBe("alreadyRevoked");
    expect(shortProblemType("about:blank")).toBe("about:blank");
  });
});

describe("earlyPolls", () => {
  it("accepts a poll sent once the Retry-After has passed", () => {
    const exchanges = [exchange("https://x/authz/1", 0, 100, "1"), exchange("https://x/authz/1", 1100, 1150)];
    expect(earlyPolls(exchanges)).toEqual([]);
    expect(pollsAfterRetryAfter(exchanges)).toBe(1);
  });

  it("does not count a read, another request (the challenge answered), then the read again as a poll", () => {
    const exchanges = [exchange("https://x/authz/1", 0, 100, "1"), exchange("https://x/chall/1", 110, 150), exchange("https://x/authz/1", 160, 200, "1")];
    expect(earlyPolls(exchanges)).toEqual([]);
    expect(pollsAfterRetryAfter(exchanges)).toBe(0);
  });

  it("names a poll of the same URL sent before the Retry-After had passed", () => {
    expect(earlyPolls([exchange("https://x/order/1", 0, 100, "2"), exchange("https://x/order/1", 1200, 1250)])).toEqual([{ url: "https://x/order/1", askedMs: 2000, waitedMs: 1100 }]);
  });

  it("ignores an HTTP-date Retry-After and one with no later request", () => {
    const exchanges = [exchange("https://x/a", 0, 10, "Wed, 21 Oct 2015 07:28:00 GMT"), exchange("https://x/a", 20, 30), exchange("https://x/b", 40, 50, "5")];
    expect(earlyPolls(exchanges)).toEqual([]);
    expect(pollsAfterRetryAfter(exchanges)).toBe(1);
  });
});

describe("boundEabKeyId", () => {
  it("reads the EAB key id of the account registered for a thumbprint", () => {
    const exported = [
      JSON.stringify({ type: "acme.account.registered", data: { accountId: "a1", thumbprint: "T1", contact: [], externalAccountBinding: { keyId: "kid-1" } } }),
      JSON.stringify({ type: "acme.account.registered", data: { accountId: "a2", thumbprint: "T2", contact: [], externalAccountBinding: null } }),
    ].join("\n");
    expect(boundEabKeyId(exported, "T1")).toBe("kid-1");
    expect(boundEabKeyId(exported, "T2")).toBeNull();
    expect(boundEabKeyId(exported, "T3")).toBeNull();
  });
});
