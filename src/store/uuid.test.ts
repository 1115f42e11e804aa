import { describe, expect, it } from "vitest";
import { uuidv7 } from "./uuid.js";

const UUIDV7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("uuidv7", () => {
  it("writes the millisecond timestamp first, then version 7, the RFC 9562 variant and random bits", () => {
    const ms = Date.UTC(2026, 10, 30, 8, 0, 0, 123);
    const id = uuidv7(ms);
    expect(id).toMatch(UUIDV7);
    expect(Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(ms);
    expect(uuidv7(0).slice(0, 13)).toBe("00000000-0000");
    expect(uuidv7(2 ** 48 - 1).slice(0, 13)).toBe("ffffffff-ffff");
    expect(() => uuidv7(2 ** 48)).toThrow(RangeError);
    expect(() => uuidv7(-1)).toThrow(RangeError);
  });

  it("sorts by time and never repeats, across refills of the random pool", () => {
    const ms = Date.UTC(2026, 10, 30);
    const ids = Array.from({ length: 2000 }, (_, i) => uuidv7(ms + Math.floor(i / 100)));
    for (const id of ids) expect(id).toMatch(UUIDV7);
    expect(new Set(ids).size).toBe(ids.length);
    const prefixes = ids.map((id) => id.slice(0, 13));
    expect(prefixes).toEqual([...prefixes].sort());
    // the variant digit and the low nibble of the version byte both take every value
    expect(new Set(ids.map((id) => id[19])).size).toBe(4);
    expect(new Set(ids.map((id) => id[15])).size).toBe(16);
  });
});
