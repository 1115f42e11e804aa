/** Events, contexts and log walks shared by the event-store suite. */
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import {
  GENESIS_HASH,
  NodeStarted,
  NodeStopped,
  eventHash,
  nodeStreamId,
  type PendingEvent,
  type StoredEvent,
} from "../../../events/index.js";
import { projectBatch, tableProjections, type RowChange } from "../../../projections/index.js";
import type { AppendContext, EventRow, EventStoreDialect } from "../../../src/store/dialect.js";
import { toStoredEvent } from "../../../src/store/rows.js";

/** The inline projections, as the writer runs them. */
export const projectInline = (events: readonly StoredEvent[]): readonly RowChange[] =>
  projectBatch(tableProjections, events);

/** A clock that ticks one millisecond per read, from a fixed instant. */
export function tickingClock(start = Date.UTC(2026, 10, 30, 8, 0, 0)): () => Date {
  let t = start;
  return () => new Date(t++);
}

export function appendContext(serverId: string, now: () => Date = tickingClock()): AppendContext {
  return { serverId, leaseEpoch: null, now, project: projectInline };
}

/** A node stream, `node:<uuid>`. */
export const nodeStream = (serverId: string = randomUUID()): string => nodeStreamId(serverId);

export function started(bootId: string = randomUUID(), hostname = "acme-1.example.internal"): PendingEvent {
  return NodeStarted.create({ bootId, hostname, pid: 4242, version: "0.1.0", firstBoot: false });
}

export function stopped(bootId: string, uptimeMs = 60_000): PendingEvent {
  return NodeStopped.create({ bootId, reason: "shutdown", uptimeMs });
}

/** The whole log, read in pages of `page` (small pages exercise paging). */
export async function readWholeLog(dialect: EventStoreDialect, page = 97): Promise<EventRow[]> {
  const rows: EventRow[] = [];
  for (;;) {
    const next = await dialect.readAll(rows.at(-1)?.position ?? 0, page);
    if (next.length === 0) return rows;
    rows.push(...next);
  }
}

/** Positions 1..n without gap, each hash recomputed from its body, each `prev` the hash before it. */
export function expectIntactChain(rows: readonly EventRow[]): void {
  let prev = GENESIS_HASH;
  rows.forEach((row, i) => {
    expect(row.position).toBe(i + 1);
    expect(eventHash(row.body)).toBe(row.hash);
    const event = toStoredEvent(row);
    expect(event.gp).toBe(row.position);
    expect(event.prev).toBe(prev);
    prev = row.hash;
  });
}

/** Every indexed column is a faithful copy of the envelope in `body`. */
export function expectColumnsMatchBody(row: EventRow): void {
  const event = toStoredEvent(row);
  expect(row).toEqual({
    position: event.gp,
    eventId: event.eid,
    streamId: event.sid,
    streamVersion: event.sv,
    eventType: event.type,
    schemaVersion: event.v,
    recordedAt: Date.parse(event.at),
    serverId: event.meta.node,
    body: event.body,
    hash: event.hash,
  });
}

/** A COUNT(*) from a raw query, whatever numeric type the driver returns. */
export function countOf(rows: readonly Record<string, unknown>[]): number {
  return Number(rows[0]?.["n"]);
}
