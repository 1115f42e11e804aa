import { describe, expect, it } from "vitest";
import { eventLines } from "./json-lines.js";
import { fetchedUrls, lastEvent, rubyAccount, rubyChallenges, rubyError, rubyProblem } from "./ruby-acme-client.js";

// Lines in the shape ruby-acme-client/client.rb prints them (JSON.generate, one object a line).
const ISSUE_FAILED = [
  '{"event":"directory","externalAccountRequired":false}',
  '{"event":"account","kid":"https://localhost:4000/acme/account/a1","status":"valid","contact":["mailto:ops@example.test"]}',
  '{"event":"order","url":"https://localhost:4000/acme/order/o1","status":"pending","identifiers":[{"type":"dns","value":"x.test"}]}',
  '{"event":"authorization","identifier":"x.test","wildcard":false,"challenge":"http-01"}',
  '{"event":"challenge","identifier":"x.test","type":"http-01","status":"invalid","polls":2,"error":{"type":"urn:ietf:params:acme:error:incorrectResponse","detail":"http://x.test/.well-known/acme-challenge/t: 404","status":403},"authorization":"invalid"}',
  '{"event":"order","url":"https://localhost:4000/acme/order/o1","status":"invalid"}',
  '{"event":"error","class":null,"message":"validation failed for x.test","problem":null}',
].join("\n");

describe("eventLines", () => {
  it("reads each JSON line in order and skips Ruby's warnings and anything that is not an event", () => {
    const events = eventLines(`/usr/lib/ruby/3.1.0/x.rb:1: warning: something\n${ISSUE_FAILED}\n{not json\n{"no":"event"}\n`);
    expect(events.map((event) => event.event)).toEqual(["directory", "account", "order", "authorization", "challenge", "order", "error"]);
  });

  it("gives the last line of an event with lastEvent, null when there is none", () => {
    const events = eventLines(ISSUE_FAILED);
    expect(lastEvent(events, "order")?.status).toBe("invalid");
    expect(lastEvent(events, "certificate")).toBeNull();
  });
});

describe("rubyAccount", () => {
  it("reads the kid, status and contact", () => {
    expect(rubyAccount(lastEvent(eventLines(ISSUE_FAILED), "account"))).toEqual({
      kid: "https://localhost:4000/acme/account/a1",
      status: "valid",
      contact: ["mailto:ops@example.test"],
    });
  });

  it("is null without a kid", () => {
    expect(rubyAccount({ status: "valid" })).toBeNull();
    expect(rubyAccount(null)).toBeNull();
  });
});

describe("rubyChallenges", () => {
  it("reads each challenge's outcome with the problem the server put in challenge.error", () => {
    expect(rubyChallenges(eventLines(ISSUE_FAILED))).toEqual([
      {
        identifier: "x.test",
        type: "http-01",
        status: "invalid",
        authorization: "invalid",
        error: { type: "incorrectResponse", detail: "http://x.test/.well-known/acme-challenge/t: 404", subproblems: [] },
      },
    ]);
  });
});

describe("rubyError", () => {
  it("reads the Ruby class, its message and the problem behind it, subproblems (RFC 8555 §6.7.1) included", () => {
    const line = JSON.stringify({
      event: "error",
      class: "Acme::Client::Error::RejectedIdentifier",
      message: "one identifier refused",
      problem: {
        type: "urn:ietf:params:acme:error:rejectedIdentifier",
        detail: "one identifier refused",
        subproblems: [{ type: "urn:ietf:params:acme:error:rejectedIdentifier", detail: "not allowed", identifier: { type: "dns", value: "a.test" } }],
      },
    });
    expect(rubyError(eventLines(line))).toEqual({
      className: "Acme::Client::Error::RejectedIdentifier",
      message: "one identifier refused",
      problem: { type: "rejectedIdentifier", detail: "one identifier refused", subproblems: [{ type: "rejectedIdentifier", detail: "not allowed", subproblems: [] }] },
    });
  });

  it("has no class when the script gave up itself, and is null when the script printed no error", () => {
    expect(rubyError(eventLines(ISSUE_FAILED))).toEqual({ className: null, message: "validation failed for x.test", problem: null });
    expect(rubyError(eventLines('{"event":"revoked","result":true}'))).toBeNull();
  });

  it("keeps the gem's own errors (no problem document) with a null problem", () => {
    const line = '{"event":"error","class":"Acme::Client::Error::ForcedChainNotFound","message":"Could not find any matching chain for `X`","problem":null}';
    expect(rubyError(eventLines(line))?.problem).toBeNull();
  });
});

describe("rubyProblem", () => {
  it("keeps a type outside the ACME namespace as written", () => {
    expect(rubyProblem({ type: "about:blank", detail: "x" })).toEqual({ type: "about:blank", detail: "x", subproblems: [] });
  });

  it("is null for anything but a document with a type", () => {
    expect(rubyProblem(null)).toBeNull();
    expect(rubyProblem("badCSR")).toBeNull();
    expect(rubyProblem({ detail: "no type" })).toBeNull();
  });
});

describe("fetchedUrls", () => {
  it("lists the chains a download fetched, default first", () => {
    const line = '{"event":"chains-fetched","fetched":["https://localhost:4000/acme/cert/c1","https://localhost:4000/acme/cert/c1/1"]}';
    expect(fetchedUrls(lastEvent(eventLines(line), "chains-fetched"))).toEqual(["https://localhost:4000/acme/cert/c1", "https://localhost:4000/acme/cert/c1/1"]);
    expect(fetchedUrls(null)).toEqual([]);
  });
});
