/**
 * The database defends the log (DESIGN §2 invariant 2), and a batch is all or nothing, inline
 * projections included (invariant 1).
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { SuiteContext } from "../event-store.suite.js";
import { appendContext, countOf, nodeStream, readWholeLog, started, stopped } from "./fixtures.js";

export function integrityTests({ migrated, options }: SuiteContext): void {
  it("refuses UPDATE and DELETE of an event, leaving it unchanged", async () => {
    const { dialect, query } = await migrated();
    const bootId = randomUUID();
    await dialect.appendBatch(
      [{ streamId: nodeStream(), expectedVersion: 0, events: [started(bootId), stopped(bootId)] }],
      appendContext(randomUUID()),
    );
    const before = await readWholeLog(dialect);

    await expect(query("UPDATE es_events SET event_type = 'tampered' WHERE position = 1")).rejects.toThrow(
      /append-only/,
    );
    await expect(query("DELETE FROM es_events WHERE position = 2")).rejects.toThrow(/append-only/);
    await expect(query("DELETE FROM es_events")).rejects.toThrow(/append-only/);
    if (options.refusesTruncate) {
      await expect(query("TRUNCATE TABLE es_events")).rejects.toThrow(/append-only/);
    }
    expect(await readWholeLog(dialect)).toEqual(before);
    expect(countOf(await query("SELECT COUNT(*) AS n FROM es_events"))).toBe(2);
  });

  it("rolls back the whole batch when an inline projection change fails", async () => {
    const { dialect } = await migrated();
    const serverId = randomUUID();
    const ctx = appendContext(serverId);
    const first = nodeStream();
    const second = nodeStream();
    const bootId = randomUUID();
    await dialect.appendBatch([{ streamId: first, expectedVersion: 0, events: [started(bootId)] }], ctx);
    const head = await dialect.head();
    const boots = await dialect.readProjection("node_boots");

    // The second command re-announces a boot id: node_boots' primary key refuses the row, so
    // the otherwise valid first command must not commit either.
    const batch = dialect.appendBatch(
      [
        { streamId: second, expectedVersion: 0, events: [started()] },
        { streamId: first, expectedVersion: 1, events: [started(bootId)] },
      ],
      ctx,
    );
    await expect(batch).rejects.toThrow();

    expect(await dialect.head()).toEqual(head);
    expect(await readWholeLog(dialect)).toHaveLength(1);
    expect(await dialect.readStream(second)).toEqual([]);
    expect(await dialect.readProjection("node_boots")).toEqual(boots);
    // The stream versions rolled back too: both streams accept their pre-batch versions.
    const outcomes = await dialect.appendBatch(
      [
        { streamId: second, expectedVersion: 0, events: [started()] },
        { streamId: first, expectedVersion: 1, events: [stopped(bootId)] },
      ],
      ctx,
    );
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    expect((await readWholeLog(dialect)).map((r) => r.position)).toEqual([1, 2, 3]);
  });
}
