import { describe, expect, it } from "vitest";
import { canonicalJson, eventHash, GENESIS_HASH, NodeStopped } from "../../events/index.js";
import { planAppend, streamType } from "./plan-append.js";

const serverId = "11111111-1111-4111-8111-111111111111";
const stopped = NodeStopped.create({ bootId: "8d3c1f7e-2a4b-4c5d-9e6f-7a8b9c0d1e2f", reason: "shutdown", uptimeMs: 1 });
const now = new Date("2026-11-30T08:00:00.123Z");

describe("planAppend", () => {
  it("numbers events after the head and chains their hashes", () => {
    const plan = planAppend({ position: 7, hash: "ab".repeat(32) }, new Map([["node:a", 2]]), [
      { streamId: "node:a", expectedVersion: 2, events: [stopped, stopped] },
      { streamId: "node:b", expectedVersion: 0, events: [stopped] },
    ], { serverId, leaseEpoch: 3 }, now);
    expect(plan.events.map((e) => [e.gp, e.sid, e.sv])).toEqual([[8, "node:a", 3], [9, "node:a", 4], [10, "node:b", 1]]);
    expect(plan.events[0]?.prev).toBe("ab".repeat(32));
    expect(plan.events[1]?.prev).toBe(plan.events[0]?.hash);
    for (const e of plan.events) expect(e.hash).toBe(eventHash(e.body));
    expect(plan.head).toEqual({ position: 10, hash: plan.events[2]?.hash });
    expect([...plan.streams]).toEqual([["node:a", { version: 4, created: false }], ["node:b", { version: 1, created: true }]]);
    expect(plan.events[0]?.meta.node).toBe(serverId);
    expect(plan.events.map((e) => e.meta.epoch)).toEqual([3, 3, 3]);
    expect(plan.events[0]?.at).toBe("2026-11-30T08:00:00.123Z");
  });

  it("stores as body the canonical JSON of each envelope, the command's meta included", () => {
    const meta = { requestId: "req-1", sourceIp: "192.0.2.1", actor: "account:1" };
    const plan = planAppend({ position: 0, hash: GENESIS_HASH }, new Map(), [
      { streamId: "node:a", expectedVersion: 0, events: [stopped, stopped], meta },
      { streamId: "node:b", expectedVersion: 0, events: [stopped] },
    ], { serverId, leaseEpoch: 3 }, now);
    for (const { body, hash, ...envelope } of plan.events) {
      expect(body).toBe(canonicalJson(envelope));
      expect(hash).toBe(eventHash(body));
    }
    expect(plan.events.map((e) => e.meta)).toEqual([{ ...meta, node: serverId, epoch: 3 }, { ...meta, node: serverId, epoch: 3 }, { node: serverId, epoch: 3 }]);
  });

  it("rejects a command whose expected version is stale and still plans the others", () => {
    const plan = planAppend({ position: 0, hash: GENESIS_HASH }, new Map(), [
      { streamId: "node:a", expectedVersion: 0, events: [stopped] },
      { streamId: "node:a", expectedVersion: 0, events: [stopped] },
      { streamId: "node:a", expectedVersion: "any", events: [stopped] },
    ], { serverId, leaseEpoch: null }, now);
    expect(plan.outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    expect(plan.outcomes[1]).toMatchObject({ ok: false, conflict: { streamId: "node:a", expected: 0, actual: 1 } });
    expect(plan.events.map((e) => e.sv)).toEqual([1, 2]);
    expect(plan.events.map((e) => e.gp)).toEqual([1, 2]);
  });

  it("writes no epoch in the meta of an unfenced append, so the body is what it was before the lease", () => {
    const plan = planAppend({ position: 0, hash: GENESIS_HASH }, new Map(), [{ streamId: "node:a", expectedVersion: 0, events: [stopped] }], { serverId, leaseEpoch: null }, now);
    expect(plan.events[0]?.meta).toEqual({ node: serverId });
    expect(plan.events[0]?.body).not.toContain("epoch");
  });

  it("names the aggregate of a stream", () => {
    expect(streamType("order:0190")).toBe("order");
    expect(streamType("plain")).toBe("plain");
  });
});
