import { delay, mergeMap, of } from "rxjs";
import { describe, expect, it } from "vitest";
import { GENESIS_HASH, NodeStarted, NodeStopped, sealEnvelope, type PendingEvent, type StoredEvent } from "../events/index.js";
import { AsyncProjectionError, logPositionProjection, LogGapError, nodeBootsProjection, projectBatch, type RowChange, type TableProjection } from "./index.js";

const node = "11111111-1111-4111-8111-111111111111";
const bootId = "8d3c1f7e-2a4b-4c5d-9e6f-7a8b9c0d1e2f";

function chain(pending: readonly PendingEvent[]): StoredEvent[] {
  const out: StoredEvent[] = [];
  pending.forEach((p, i) => {
    out.push(sealEnvelope({
      at: new Date(Date.UTC(2026, 10, 30, 8, 0, i)).toISOString(), data: p.data, eid: `e${i}`, gp: i + 1,
      meta: { node }, prev: out[i - 1]?.hash ?? GENESIS_HASH, sid: `node:${node}`, sv: i + 1, type: p.type, v: p.v,
    }));
  });
  return out;
}

const events = chain([
  NodeStarted.create({ bootId, hostname: "ca1", pid: 42, version: "0.1.0", firstBoot: true }),
  NodeStopped.create({ bootId, reason: "signal", signal: "SIGTERM", uptimeMs: 1000 }),
]);

describe("node_boots projection", () => {
  it("opens a row on node.started and closes it on node.stopped", () => {
    expect(projectBatch([nodeBootsProjection], events)).toEqual([
      { kind: "insert", table: "node_boots", row: {
        bootId, serverId: node, hostname: "ca1", pid: 42, version: "0.1.0", startedAt: Date.parse(events[0]!.at),
        startedPosition: 1, stoppedAt: null, stopReason: null, uptimeMs: null } },
      { kind: "update", table: "node_boots", key: { bootId }, set: { stoppedAt: Date.parse(events[1]!.at), stopReason: "signal", uptimeMs: 1000 } },
    ]);
  });

  it("gives the same changes whether the log is fed in one batch or event by event", () => {
    const oneByOne = events.flatMap((e) => projectBatch([nodeBootsProjection], [e]));
    expect(oneByOne).toEqual(projectBatch([nodeBootsProjection], events));
  });
});

describe("projectBatch", () => {
  it("calls a row projection's function directly and gets what its operator gives", () => {
    const throughOperator: TableProjection = { ...nodeBootsProjection, changesOf: undefined };
    expect(nodeBootsProjection.changesOf).toBeDefined();
    expect(projectBatch([nodeBootsProjection, nodeBootsProjection], events)).toEqual(projectBatch([throughOperator, throughOperator], events));
    const broken = { ...events[1]!, type: "node.unknown" };
    expect(() => projectBatch([nodeBootsProjection], [broken])).toThrow(/unknown event type/);
    expect(() => projectBatch([throughOperator], [broken])).toThrow(/unknown event type/);
  });

  it("refuses a projection that would apply its changes after the transaction", () => {
    const deferred: TableProjection = { name: "late", tables: ["node_boots"], project: mergeMap((e) => of<RowChange>({ kind: "delete", table: "node_boots", key: { bootId: e.eid } }).pipe(delay(1))) };
    expect(() => projectBatch([deferred], events)).toThrow(AsyncProjectionError);
  });
});

describe("log position", () => {
  it("follows a linked log and throws on a gap or a broken link", () => {
    const after = events.reduce(logPositionProjection.evolve, logPositionProjection.initial);
    expect(after).toEqual({ position: 2, hash: events[1]!.hash, events: 2 });
    expect(() => logPositionProjection.evolve(logPositionProjection.initial, events[1]!)).toThrow(LogGapError);
    const relinked = { ...events[1]!, prev: GENESIS_HASH };
    expect(() => logPositionProjection.evolve({ position: 1, hash: events[0]!.hash, events: 1 }, relinked)).toThrow(/does not link/);
  });
});
