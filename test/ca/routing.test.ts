/** Routing an order to its authorities (reference §3.3): key-type routing, health, failover, round robin. */
import { describe, expect, it } from "vitest";
import { routeOrder, type PolicyBinding } from "../../src/ca/routing.js";

const binding = (strategy: PolicyBinding["strategy"]): PolicyBinding => ({ policy: "web", authorities: ["ec", "rsa", "backup"], strategy });
const all = () => true;

describe("routeOrder", () => {
  it("keeps declaration order with first_available, so the first authority is used and the others are failovers", () => {
    expect(routeOrder({ binding: binding("first_available"), accepts: all, healthy: all, turn: 7 })).toEqual({ ok: true, candidates: ["ec", "rsa", "backup"] });
  });

  it("skips the authorities whose own policies refuse the CSR (an RSA key goes to the RSA template)", () => {
    const accepts = (name: string) => name !== "ec";
    expect(routeOrder({ binding: binding("first_available"), accepts, healthy: all, turn: 0 })).toEqual({ ok: true, candidates: ["rsa", "backup"] });
    expect(routeOrder({ binding: binding("first_available"), accepts: () => false, healthy: all, turn: 0 })).toEqual({ ok: false, reason: "csr-refused" });
  });

  it("puts unhealthy authorities last instead of dropping them", () => {
    const healthy = (name: string) => name !== "ec";
    expect(routeOrder({ binding: binding("first_available"), accepts: all, healthy, turn: 0 })).toEqual({ ok: true, candidates: ["rsa", "backup", "ec"] });
  });

  it("rotates the starting authority with round_robin", () => {
    const starts = [0, 1, 2, 3].map((turn) => routeOrder({ binding: binding("round_robin"), accepts: all, healthy: all, turn }));
    expect(starts.map((r) => (r.ok ? r.candidates[0] : null))).toEqual(["ec", "rsa", "backup", "ec"]);
  });
});
