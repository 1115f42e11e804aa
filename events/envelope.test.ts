import { describe, expect, it } from "vitest";
import { z } from "zod";
import { canonicalJson, defineEvent, eventHash, GENESIS_HASH, NodeStopped, parseBody, sealEnvelope, upcast } from "./index.js";

describe("canonical JSON", () => {
  it("sorts keys at every depth and drops undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [true, null], c: "x" }, u: undefined })).toBe('{"a":{"c":"x","d":[true,null]},"b":1}');
  });
  it("sorts keys as strings even when they look like array indexes", () => {
    expect(canonicalJson({ b: { "10": 1, "9": 2, a: [{ "2": true, "1": null }] }, "0": "x" })).toBe(
      '{"0":"x","b":{"10":1,"9":2,"a":[{"1":null,"2":true}]}}',
    );
    expect(() => canonicalJson({ "7": 0.5 })).toThrow(/safe integers/);
  });

  it("refuses numbers that would not round-trip exactly", () => {
    expect(() => canonicalJson({ n: 1.5 })).toThrow(/safe integers/);
    expect(() => canonicalJson({ n: 2 ** 60 })).toThrow(/safe integers/);
  });
  it("escapes strings as JSON does, so unicode tricks survive the round trip", () => {
    const text = canonicalJson({ s: 'a"\u2028\u0000é' });
    expect(JSON.parse(text)).toEqual({ s: 'a"\u2028\u0000é' });
  });
});

describe("envelope", () => {
  const envelope = {
    at: "2026-11-30T08:00:00.123Z",
    data: { hello: "world" },
    eid: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    gp: 1,
    meta: { node: "11111111-1111-4111-8111-111111111111" },
    prev: GENESIS_HASH,
    sid: "node:x",
    sv: 1,
    type: "node.started",
    v: 1,
  };

  it("hashes the canonical body as an RFC 6962 leaf", () => {
    const sealed = sealEnvelope(envelope);
    expect(sealed.body.startsWith('{"at":"2026-11-30T08:00:00.123Z","data":{"hello":"world"}')).toBe(true);
    expect(sealed.hash).toBe(eventHash(sealed.body));
    expect(sealed.hash).not.toBe(eventHash(sealed.body.replace("world", "World")));
  });

  it("writes the body exactly as the general canonical encoder would", () => {
    const rich = { ...envelope, data: { z: [1, { b: "x", a: null }], a: "é\n" }, meta: { node: "n", sourceIp: "::1", actor: "acct:1" } };
    expect(sealEnvelope(rich).body).toBe(canonicalJson(rich));
    expect(sealEnvelope(envelope).body).toBe(canonicalJson(envelope));
    expect(() => sealEnvelope({ ...envelope, gp: 1.5 })).toThrow(/safe integers/);
  });

  it("hashes the same bytes as every earlier build (a changed byte breaks every stored chain)", () => {
    const pinned = {
      ...envelope,
      data: { z: [1, { b: "x", a: null }], a: "é\n\u2028", "10": true, "9": "n" },
      gp: 42,
      meta: { node: "11111111-1111-4111-8111-111111111111", epoch: 3, requestId: "r1", sourceIp: "::1", actor: "account:1" },
      sid: "order:x",
      sv: 7,
      type: "acme.order.ready",
    };
    const sealed = sealEnvelope(pinned);
    expect(sealed.hash).toBe("32ae9982d90c9ab9a45ac6ba23a32a300144cb0cad986d9ed5fd392cf464908c");
    expect(sealEnvelope(pinned, canonicalJson(pinned.meta))).toEqual(sealed);
    const { body, hash, ...fields } = sealed;
    expect(fields).toEqual(pinned);
    expect(hash).toBe(eventHash(body));
  });

  it("parses a stored body back to the same envelope", () => {
    const sealed = sealEnvelope(envelope);
    expect(parseBody(sealed.body, sealed.hash)).toEqual(sealed);
    expect(() => parseBody('{"gp":1}', sealed.hash)).toThrow(/lacks/);
  });
});

describe("catalogue", () => {
  it("upcasts stored data of an old schema version before validating it", () => {
    const Renamed = defineEvent("test.renamed", z.strictObject({ fullName: z.string() }), {
      version: 2,
      upcasters: { 1: (data) => ({ fullName: (data as { name: string }).name }) },
    });
    expect(Renamed.create({ fullName: "x" })).toEqual({ type: "test.renamed", v: 2, data: { fullName: "x" } });
    expect(() => defineEvent("test.broken", z.string(), { version: 2 })).toThrow(/lacks an upcaster/);
  });

  it("decodes node events and refuses unknown types and future versions", () => {
    const bootId = "8d3c1f7e-2a4b-4c5d-9e6f-7a8b9c0d1e2f";
    expect(upcast("node.stopped", 1, { bootId, reason: "signal", signal: "SIGTERM", uptimeMs: 5 })).toEqual({
      type: "node.stopped",
      data: { bootId, reason: "signal", signal: "SIGTERM", uptimeMs: 5 },
    });
    expect(() => upcast("acme.unknown", 1, {})).toThrow(/unknown event type/);
    expect(() => upcast("node.stopped", 9, {})).toThrow(/knows up to 1/);
    expect(() => upcast("node.stopped", 1, { bootId, reason: "bored", uptimeMs: 1 })).toThrow();
  });

  it("trusts only the very data object create() parsed; equal data from elsewhere is validated again", () => {
    const bootId = "8d3c1f7e-2a4b-4c5d-9e6f-7a8b9c0d1e2f";
    const created = NodeStopped.create({ bootId, reason: "signal", signal: "SIGTERM", uptimeMs: 5 });
    expect(upcast(created.type, created.v, created.data).data).toBe(created.data);
    const stored = JSON.parse(JSON.stringify(created.data)) as typeof created.data;
    expect(upcast(created.type, created.v, stored).data).not.toBe(stored);
    expect(() => upcast(created.type, created.v, { ...stored, reason: "bored" })).toThrow();
  });
});
