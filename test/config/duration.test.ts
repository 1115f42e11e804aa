import { describe, expect, it } from "vitest";
import { formatDuration, parseDuration } from "../../src/config/duration.js";

describe("parseDuration", () => {
  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["2m", 120_000],
    ["720h", 2_592_000_000],
    ["1h30m", 5_400_000],
    ["1.5s", 1_500],
    ["0", 0],
    ["0s", 0],
  ])("reads %s as %d ms", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(["", "30", "s", "-5s", "30 s", "1d", "0.5ms", "1.s", "10sec"])("refuses %j", (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe("formatDuration", () => {
  it("uses the largest exact unit", () => {
    expect([formatDuration(0), formatDuration(1_500), formatDuration(30_000), formatDuration(90_000), formatDuration(7_200_000)]).toEqual([
      "0",
      "1500ms",
      "30s",
      "90s",
      "2h",
    ]);
  });
});
