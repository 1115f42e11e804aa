import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { configWarnings } from "../../src/config/warnings.js";
import { MINIMAL } from "./helpers.js";

const warningsFor = (text: string): string[] => configWarnings(parseConfigText(text, "config.yml"));

describe("configWarnings", () => {
  it("says nothing for the defaults", () => {
    expect(warningsFor(MINIMAL)).toEqual([]);
  });

  it("warns, one line each, about disabled or weakened controls", () => {
    const lines = warningsFor(
      `${MINIMAL}  remote-ip-header: X-Forwarded-For\n  trusted-proxies:\n    - 0.0.0.0/0\naudit:\n  enabled: false\nlogs:\n  level: off\n`,
    );
    expect(lines).toEqual([
      "audit.enabled is false: events are not mirrored to the tamper-evident audit file",
      "logs.level is off: nothing is logged except services given their own level in logs.services",
      "server.trusted-proxies contains 0.0.0.0/0: every IPv4 client can forge its address in X-Forwarded-For",
    ]);
    expect(lines.every((line) => !line.includes("\n"))).toBe(true);
  });

  it("warns about each rate limiter that is switched off", () => {
    expect(warningsFor(`${MINIMAL}rate-limiting:
  abuse:
    enabled: false
  failed-validation:
    enabled: false
`)).toEqual([
      "rate-limiting.abuse.enabled is false: that limit is not enforced",
      "rate-limiting.failed-validation.enabled is false: that limit is not enforced",
    ]);
  });

  it("warns when the remote IP header has no trusted proxy to come from", () => {
    expect(warningsFor(`${MINIMAL}  remote-ip-header: X-Real-IP\n`)).toEqual([
      "server.remote-ip-header is X-Real-IP but server.trusted-proxies is empty: the header is ignored and clients are known by the connecting address",
    ]);
  });
});
