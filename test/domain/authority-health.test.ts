/** A health probe becomes an event only when the authority's recorded state changes. */
import { describe, expect, it } from "vitest";
import { AuthorityHealthChanged, upcast } from "../../events/index.js";
import { healthChange, recordedHealth } from "../../src/domain/authority/health-change.js";

const decoded = (healthy: boolean) => {
  const event = AuthorityHealthChanged.create({ authority: "corp-adcs", healthy, detail: "x" });
  return upcast(event.type, event.v, event.data);
};

describe("authority health changes", () => {
  it("records transitions only, from an implicit healthy start", () => {
    expect(healthChange("corp-adcs", null, { healthy: true, detail: "alive (16ms)" })).toBeNull();
    expect(healthChange("corp-adcs", null, { healthy: false, detail: "RPC server unavailable" })?.data).toEqual({ authority: "corp-adcs", healthy: false, detail: "RPC server unavailable" });
    expect(healthChange("corp-adcs", false, { healthy: true, detail: "alive (16ms)" })?.data).toEqual({ authority: "corp-adcs", healthy: true, detail: "alive (16ms)" });
    expect(healthChange("corp-adcs", true, { healthy: true, detail: "alive (31ms)" })).toBeNull();
    expect(healthChange("corp-adcs", true, { healthy: false, detail: "RPC server unavailable" })?.data).toMatchObject({ healthy: false, detail: "RPC server unavailable" });
    expect(healthChange("corp-adcs", false, { healthy: false, detail: "timeout" })).toBeNull();
  });

  it("reads the last recorded state from the stream", () => {
    expect(recordedHealth([])).toBeNull();
    expect(recordedHealth([decoded(true), decoded(false)])).toBe(false);
    expect(recordedHealth([decoded(false), decoded(true)])).toBe(true);
  });

  it("keeps a long probe message within the event's limit", () => {
    expect(healthChange("corp-adcs", true, { healthy: false, detail: "e".repeat(5000) })?.data).toMatchObject({ detail: expect.stringMatching(/^e{1023}…$/) });
  });
});
