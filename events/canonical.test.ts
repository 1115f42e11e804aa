/**
 * canonicalJson against a plain reference encoder on random values: the hash chain covers its
 * output, so the fast path (plain data, native JSON.stringify) and the general path (anything
 * else) must spell every value exactly as the reference does.
 */
import { describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical.js";

/** Sorted keys by UTF-16 code units, undefined members dropped, undefined array items as null. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v: unknown) => (v === undefined ? "null" : reference(v))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${reference(record[k])}`);
    return `{${members.join(",")}}`;
  }
  if (typeof value === "number" && !Number.isSafeInteger(value)) throw new TypeError("not a safe integer");
  return JSON.stringify(value);
}

/** Deterministic, so a failure reproduces (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = ["a", "b", "B", "aa", "", "z", "é", "\u2028", "a\"b", "😀", "\uffff", "orderId", "__proto__", "type", "v"];
const INDEX_KEYS = ["0", "9", "10", "4294967294"];
const STRINGS = ["", "x", "é\n", "\u0000\u001f", "\ud800", "😀", "\"\\", "a".repeat(300), "0193a0c4-0000-7000-8000-0000000000aa"];

function value(next: () => number, depth: number, indexKeys: boolean): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
  const roll = next();
  if (depth > 3 || roll < 0.45) return pick<unknown>([...STRINGS, 0, -0, 1, -7, Number.MAX_SAFE_INTEGER, true, false, null]);
  if (roll < 0.65) return Array.from({ length: Math.floor(next() * 4) }, () => (next() < 0.1 ? undefined : value(next, depth + 1, indexKeys)));
  const record: Record<string, unknown> = {};
  const keys = indexKeys && next() < 0.3 ? [...KEYS, ...INDEX_KEYS] : KEYS;
  for (let n = Math.floor(next() * 6); n > 0; n--) {
    Object.defineProperty(record, pick(keys), { value: next() < 0.1 ? undefined : value(next, depth + 1, indexKeys), enumerable: true, writable: true, configurable: true });
  }
  return record;
}

describe("canonicalJson", () => {
  it("spells random plain values exactly as the reference encoder", () => {
    for (let seed = 1; seed <= 3000; seed++) {
      const v = value(random(seed), 0, seed % 2 === 0);
      expect(canonicalJson(v), `seed ${seed}`).toBe(reference(v));
    }
  });

  it("keeps a `__proto__` data key, sorted with the others", () => {
    const parsed: unknown = JSON.parse('{"z":1,"__proto__":{"b":2,"a":1}}');
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"a":1,"b":2},"z":1}');
    expect(canonicalJson([parsed])).toBe('[{"__proto__":{"a":1,"b":2},"z":1}]');
  });

  it("encodes what is not plain data as JSON.stringify would, keys sorted", () => {
    expect(canonicalJson({ b: new Date(0), a: { toJSON: () => ({ y: 1, x: 2 }) } })).toBe('{"a":{"x":2,"y":1},"b":"1970-01-01T00:00:00.000Z"}');
    class Point {
      constructor(readonly y: number, readonly x: number) {}
    }
    expect(canonicalJson({ p: new Point(1, 2) })).toBe('{"p":{"x":2,"y":1}}');
    let deep: unknown = { z: 1, a: 2 };
    for (let i = 0; i < 400; i++) deep = [deep];
    expect(canonicalJson(deep)).toBe(`${"[".repeat(400)}{"a":2,"z":1}${"]".repeat(400)}`);
  });

  it("refuses what has no single spelling", () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle["self"] = cycle;
    expect(() => canonicalJson(cycle)).toThrow(TypeError);
    expect(() => canonicalJson({ a: [1, { b: 0.5 }] })).toThrow(/safe integers/);
    expect(() => canonicalJson({ a: () => 1 })).toThrow(/cannot encode a function/);
    expect(() => canonicalJson({ a: 1n })).toThrow(/cannot encode a bigint/);
    expect(() => canonicalJson(undefined)).toThrow(/cannot encode a undefined/);
    expect(() => canonicalJson({ a: Symbol("s") })).toThrow(/cannot encode a symbol/);
  });
});
