import { describe, expect, it } from "vitest";
import { IssuedWindow } from "../../src/acme/nonces/issued-window.js";
import { DEFAULT_NONCE_WINDOW_SIZE, NONCE_TTL_MS, NonceService } from "../../src/acme/nonces/nonce-service.js";

function manualClock(start = Date.UTC(2026, 0, 1)) {
  let now = start;
  return { clock: () => new Date(now), advance: (ms: number) => void (now += ms) };
}

const SECRET = new Uint8Array(32).fill(7);

describe("NonceService (RFC 8555 §6.5)", () => {
  it("issues unpadded base64url nonces that differ every time", () => {
    const nonces = new NonceService({ clock: () => new Date() });
    const issued = new Set(Array.from({ length: 1000 }, () => nonces.issue()));
    expect(issued.size).toBe(1000);
    for (const nonce of issued) expect(nonce).toMatch(/^[A-Za-z0-9_-]{38}$/);
  });

  it("accepts a nonce exactly once", () => {
    const nonces = new NonceService({ clock: () => new Date() });
    const a = nonces.issue();
    const b = nonces.issue();
    expect(nonces.consume(b)).toBe("ok");
    expect(nonces.consume(a)).toBe("ok");
    expect(nonces.consume(a)).toBe("reused");
    expect(nonces.consume(b)).toBe("reused");
  });

  it("accepts a nonce until just before two minutes and refuses it from two minutes on", () => {
    const time = manualClock();
    const nonces = new NonceService({ clock: time.clock });
    const young = nonces.issue();
    const old = nonces.issue();
    time.advance(NONCE_TTL_MS - 1);
    expect(nonces.consume(young)).toBe("ok");
    time.advance(1);
    expect(nonces.consume(old)).toBe("expired");
    expect(NONCE_TTL_MS).toBe(120_000);
  });

  it("refuses garbage, forged and tampered nonces, and nonces from another boot", () => {
    const time = manualClock();
    const nonces = new NonceService({ clock: time.clock, secret: SECRET });
    const previousBoot = new NonceService({ clock: time.clock });
    const genuine = nonces.issue();
    expect(nonces.consume(previousBoot.issue())).toBe("unknown");
    expect(nonces.consume("")).toBe("unknown");
    expect(nonces.consume("not a nonce")).toBe("unknown");
    expect(nonces.consume("A".repeat(genuine.length))).toBe("unknown");
    // Flip one bit of the counter: the tag no longer matches.
    const bytes = Buffer.from(genuine, "base64url");
    bytes[5]! ^= 1;
    expect(nonces.consume(bytes.toString("base64url"))).toBe("unknown");
    // Padding is a second spelling of the same bytes; only the canonical form is the nonce.
    expect(nonces.consume(`${genuine}=`)).toBe("unknown");
    expect(nonces.consume(genuine)).toBe("ok");
  });

  it("a service with the same secret recognises the tag but not counters it never issued", () => {
    const time = manualClock();
    const first = new NonceService({ clock: time.clock, secret: SECRET });
    const second = new NonceService({ clock: time.clock, secret: SECRET });
    first.issue();
    const fromFirst = first.issue(); // counter 2; `second` has issued only counter 1
    second.issue();
    expect(second.consume(fromFirst)).toBe("unknown");
  });

  it("keeps a fixed footprint under a flood of 1,000,000 nonces", () => {
    const nonces = new NonceService({ clock: () => new Date() });
    const before = nonces.footprint();
    expect(before).toEqual({ windowSize: DEFAULT_NONCE_WINDOW_SIZE, bytes: DEFAULT_NONCE_WINDOW_SIZE / 8, issued: 0 });
    const first = nonces.issue();
    let last = first;
    for (let i = 1; i < 1_000_000; i++) last = nonces.issue();
    expect(nonces.footprint()).toEqual({ ...before, issued: 1_000_000 });
    // Within the default window, the oldest and the newest are both still good.
    expect(nonces.consume(first)).toBe("ok");
    expect(nonces.consume(last)).toBe("ok");
  });

  it("refuses nonces pushed out of a small window, and keeps the newest ones usable", () => {
    const nonces = new NonceService({ clock: () => new Date(), windowSize: 1024 });
    const issued = Array.from({ length: 5000 }, () => nonces.issue());
    expect(nonces.footprint().bytes).toBe(128);
    expect(nonces.consume(issued[0]!)).toBe("evicted");
    expect(nonces.consume(issued[5000 - 1024 - 1]!)).toBe("evicted");
    expect(nonces.consume(issued[5000 - 1024]!)).toBe("ok");
    expect(nonces.consume(issued[4999]!)).toBe("ok");
  });
});

describe("the nonce store's bound", () => {
  it("holds at most windowSize usable nonces, the newest ones, however many were issued", () => {
    const nonces = new NonceService({ clock: () => new Date(), windowSize: 1024 });
    const issued = Array.from({ length: 10_000 }, () => nonces.issue());
    const verdicts = issued.map((nonce) => nonces.consume(nonce));
    expect(verdicts.filter((v) => v === "ok")).toHaveLength(1024);
    expect(verdicts.slice(-1024).every((v) => v === "ok")).toBe(true);
    expect(verdicts.slice(0, -1024).every((v) => v === "evicted")).toBe(true);
    expect(nonces.footprint()).toEqual({ windowSize: 1024, bytes: 128, issued: 10_000 });
  });
});

describe("IssuedWindow", () => {
  it("tracks unused, used, evicted and never-issued counters", () => {
    const window = new IssuedWindow(32);
    expect(window.lookup(1)).toBe("never-issued");
    for (let i = 0; i < 40; i++) window.issueNext();
    expect(window.highest).toBe(40);
    expect(window.take(8)).toBe("evicted");
    expect(window.take(9)).toBe("unused");
    expect(window.take(9)).toBe("used");
    expect(window.lookup(40)).toBe("unused");
    expect(window.lookup(41)).toBe("never-issued");
    expect(window.lookup(0)).toBe("never-issued");
    // Re-issuing over a used slot makes the new counter unused again.
    for (let i = 0; i < 32; i++) window.issueNext();
    expect(window.lookup(41)).toBe("unused");
    expect(window.byteLength).toBe(4);
  });

  it("refuses sizes that are not powers of two", () => {
    expect(() => new IssuedWindow(1000)).toThrow(RangeError);
    expect(() => new IssuedWindow(16)).toThrow(RangeError);
  });
});
