/**
 * The `renewal-info` section (RFC 9773, behaviour reference §2.5): defaults, both spellings of
 * the lifetime fraction, and the refusals that name the key.
 */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { MINIMAL, errorLines } from "./helpers.js";

const renewalInfo = (keys: string) => parseConfigText(`${MINIMAL}renewal-info:\n${keys}`, "config.yml").renewalInfo;

describe("renewal-info", () => {
  it("defaults to 2/3 of the lifetime, a 48h window and a 6h Retry-After", () => {
    expect(parseConfigText(MINIMAL, "config.yml").renewalInfo).toEqual({
      lifetimeFraction: 2 / 3,
      windowWidthMs: 48 * 3_600_000,
      retryAfterMs: 6 * 3_600_000,
    });
    expect(renewalInfo("")).toEqual(parseConfigText(MINIMAL, "config.yml").renewalInfo);
  });

  it.each([
    ["2/3", 2 / 3],
    ["3/4", 0.75],
    [" 1 / 2", 0.5],
    ["0.6667", 0.6667],
    ['"0.25"', 0.25],
    [".5", 0.5],
  ])("reads lifetime-fraction %s", (written, fraction) => {
    expect(renewalInfo(`  lifetime-fraction: ${written}\n`).lifetimeFraction).toBeCloseTo(fraction, 12);
  });

  it("keeps the other keys at their defaults when one is given", () => {
    expect(renewalInfo("  window-width: 12h\n")).toEqual({ lifetimeFraction: 2 / 3, windowWidthMs: 12 * 3_600_000, retryAfterMs: 6 * 3_600_000 });
  });

  it.each(["3/2", "0", "1", "abc", "1/0", "0/3", "3/3", "-0.5", "1.5", "1/3/4", "2/3s"])("refuses lifetime-fraction %s", (written) => {
    const lines = errorLines(`${MINIMAL}renewal-info:\n  lifetime-fraction: ${written}\n`);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^config\.yml: renewal-info\.lifetime-fraction: expected a fraction strictly between 0 and 1 such as 2\/3 or 0\.6667, got /,
    );
  });

  it("says what it found for a bad fraction", () => {
    expect(errorLines(`${MINIMAL}renewal-info:\n  lifetime-fraction: 3/2\n`)).toEqual([
      'config.yml: renewal-info.lifetime-fraction: expected a fraction strictly between 0 and 1 such as 2/3 or 0.6667, got "3/2"',
    ]);
    expect(errorLines(`${MINIMAL}renewal-info:\n  lifetime-fraction: 1\n`)).toEqual([
      "config.yml: renewal-info.lifetime-fraction: expected a fraction strictly between 0 and 1 such as 2/3 or 0.6667, got 1",
    ]);
  });

  it("refuses an explicit 0 window or Retry-After, and durations without a unit", () => {
    expect(errorLines(`${MINIMAL}renewal-info:\n  window-width: 0\n  retry-after: 0s\n`)).toEqual([
      "config.yml: renewal-info.window-width: expected a duration such as 500ms, 30s, 2m or 720h, got 0 (an explicit 0 is refused: the renewal window would be empty)",
      'config.yml: renewal-info.retry-after: expected a duration such as 500ms, 30s, 2m or 720h, got "0s" (an explicit 0 is refused: clients would poll renewal-info without pause)',
    ]);
    expect(errorLines(`${MINIMAL}renewal-info:\n  retry-after: 6\n`)).toEqual([
      "config.yml: renewal-info.retry-after: expected a duration such as 500ms, 30s, 2m or 720h (a number needs a unit), got 6",
    ]);
  });

  it("refuses an unknown key, listing the known ones", () => {
    expect(errorLines(`${MINIMAL}renewal-info:\n  enabled: false\n`)).toEqual([
      "config.yml: renewal-info.enabled: unknown key; expected one of: lifetime-fraction, window-width, retry-after",
    ]);
  });
});
