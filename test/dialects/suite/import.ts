/**
 * Importing events sealed elsewhere (`events recover` puts back, from the audit files, the events
 * a restored database lost): the envelopes arrive unchanged, continue the log exactly or are
 * refused as a whole, streams, head and projections follow, and the importer's lease moves past
 * the epochs the imported events recorded.
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { StoredEvent } from "../../../events/index.js";
import type { EventStoreDialect, ImportContext } from "../../../src/store/dialect.js";
import { LeaseLostError } from "../../../src/store/errors.js";
import { EventImportRefused } from "../../../src/store/plan-import.js";
import { toStoredEvent } from "../../../src/store/rows.js";
import type { SuiteContext } from "../event-store.suite.js";
import { appendContext, expectIntactChain, nodeStream, projectInline, readWholeLog, started, stopped } from "./fixtures.js";

const T0 = Date.UTC(2026, 10, 30, 8, 0, 0);
const unfenced: ImportContext = { serverId: "", leaseEpoch: null, project: projectInline };

/** A log of 3 nodes' boots and stops on `source`, under lease epoch `epoch` (acquired as often as needed). */
async function writeSourceLog(source: EventStoreDialect, epoch: number): Promise<readonly StoredEvent[]> {
  const node = randomUUID();
  for (let i = 0; i < epoch; i++) {
    await source.acquireLease({ serverId: node, hostname: "acme-1", now: new Date(T0 + i), ttlMs: 60_000, force: false });
  }
  const ctx = { ...appendContext(node), leaseEpoch: epoch };
  for (let n = 0; n < 3; n++) {
    const bootId = randomUUID();
    await source.appendBatch([{ streamId: nodeStream(node), expectedVersion: "any", events: [started(bootId)] }], ctx);
    await source.appendBatch(
      [
        { streamId: nodeStream(node), expectedVersion: "any", events: [stopped(bootId)] },
        { streamId: nodeStream(), expectedVersion: 0, events: [started()] },
      ],
      ctx,
    );
  }
  return (await readWholeLog(source)).map(toStoredEvent);
}

export function importTests({ migrated }: SuiteContext): void {
  it("puts events back with their envelopes unchanged, in batches, so the log is the source's bit for bit", async () => {
    const [{ dialect: source }, target] = await Promise.all([migrated(), migrated()]);
    const events = await writeSourceLog(source, 1);
    const first = await target.dialect.importEvents(events.slice(0, 4), unfenced);
    expect(first.head).toEqual({ position: 4, hash: events[3]?.hash });
    const rest = await target.dialect.importEvents(events.slice(4), unfenced);
    expect(rest).toEqual({ head: await source.head(), leaseEpoch: null });

    const copied = await readWholeLog(target.dialect);
    expect(copied).toEqual(await readWholeLog(source));
    expectIntactChain(copied);
    expect(await target.dialect.readProjection("node_boots")).toEqual(await source.readProjection("node_boots"));
    // streams continue where the imported events left them: the next append takes the next version
    const stream = events[0]?.sid ?? "";
    const version = events.filter((e) => e.sid === stream).length;
    expect(version).toBe(6);
    const next = await target.dialect.appendBatch([{ streamId: stream, expectedVersion: version, events: [started()] }], appendContext(randomUUID()));
    expect(next[0]).toMatchObject({ ok: true, events: [{ gp: events.length + 1, sv: version + 1, prev: events.at(-1)?.hash }] });
  });

  it("refuses, inserting nothing, events that leave a gap, do not link, skip a stream version or were altered", async () => {
    const [{ dialect: source }, target] = await Promise.all([migrated(), migrated()]);
    const events = await writeSourceLog(source, 1);
    await target.dialect.importEvents(events.slice(0, 2), unfenced);
    const refusals: [readonly StoredEvent[], string][] = [
      [events.slice(3, 5), "event at position 4 does not follow the log head at position 2"],
      [[{ ...(events[2] as StoredEvent), prev: "f".repeat(64) }], "event at position 3 does not link to the hash of position 2"],
      [[{ ...(events[2] as StoredEvent), body: (events[2] as StoredEvent).body.replace('"pid":4242', '"pid":4243') }], "event at position 3: its body does not hash to its hash"],
      [[events[2] as StoredEvent, { ...(events[3] as StoredEvent), sv: 9 }], "has version 9 of stream"],
    ];
    for (const [batch, reason] of refusals) {
      const attempt = target.dialect.importEvents(batch, unfenced);
      await expect(attempt).rejects.toBeInstanceOf(EventImportRefused);
      await expect(attempt).rejects.toThrow(reason);
    }
    expect((await target.dialect.head()).position).toBe(2);
    expect(await readWholeLog(target.dialect)).toHaveLength(2);
  });

  it("is fenced by the importer's lease, and moves that lease past the epochs the imported events recorded", async () => {
    const [{ dialect: source }, target] = await Promise.all([migrated(), migrated()]);
    const events = await writeSourceLog(source, 3); // written under epoch 3
    const importer = randomUUID();
    const held = await target.dialect.acquireLease({ serverId: importer, hostname: "restore", now: new Date(T0), ttlMs: 60_000, force: false });
    expect(held).toMatchObject({ ok: true, lease: { epoch: 1 } });
    const fenced = { serverId: importer, leaseEpoch: 1, project: projectInline };

    const outcome = await target.dialect.importEvents(events.slice(0, 3), fenced);
    expect(outcome.leaseEpoch).toBe(4);
    expect(await target.dialect.readLease()).toMatchObject({ holderServerId: importer, epoch: 4 });
    // the old claim is stale now; the new one imports and releases
    await expect(target.dialect.importEvents(events.slice(3), fenced)).rejects.toBeInstanceOf(LeaseLostError);
    expect(await target.dialect.importEvents(events.slice(3), { ...fenced, leaseEpoch: 4 })).toMatchObject({ leaseEpoch: 4 });
    expect(await target.dialect.releaseLease({ serverId: importer, epoch: 4 }, new Date(T0 + 1))).toBe(true);
    // the next node to boot gets an epoch no imported event carries
    const next = await target.dialect.acquireLease({ serverId: randomUUID(), hostname: "acme-2", now: new Date(T0 + 2), ttlMs: 60_000, force: false });
    expect(next).toMatchObject({ ok: true, lease: { epoch: 5 } });
  });
}
