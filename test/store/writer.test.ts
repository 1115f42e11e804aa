import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NodeStarted, type PendingEvent, type StoredEvent } from "../../events/index.js";
import { projectBatch, tableProjections } from "../../projections/index.js";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { AuditMirrorError, LeaseLostError, StoreUnavailableError, StreamVersionConflictError, WriterClosedError } from "../../src/store/errors.js";
import { openDialect } from "../../src/store/open.js";
import { uuidv4 } from "../../src/store/uuid.js";
import { EventWriter, type CommitMirror, type WriterBatchStats } from "../../src/store/writer.js";

const serverId = uuidv4();
const started = (bootId: string = uuidv4()): PendingEvent =>
  NodeStarted.create({ bootId, hostname: "ca1", pid: 7, version: "test", firstBoot: false });

let dialect: EventStoreDialect;
let mirrored: StoredEvent[];
let batches: number[];

function writer(mirror: CommitMirror = { appendEvents: async (e) => void mirrored.push(...e) }): EventWriter {
  return new EventWriter({
    dialect, serverId, leaseEpoch: null, clock: () => new Date(), projections: tableProjections, mirror,
    onBatch: (s) => batches.push(s.commands),
  });
}

beforeEach(async () => {
  const dir = await mkdtemp(join(tmpdir(), "certeasy-writer-"));
  dialect = await openDialect({ driver: "sqlite", path: join(dir, "db.sqlite") });
  await dialect.migrate();
  mirrored = [];
  batches = [];
});
afterEach(async () => {
  await dialect.close();
});

describe("event writer", () => {
  it("commits concurrent commands together, gap-free, and answers each with its own events", async () => {
    const w = writer();
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => w.append({ streamId: `node:${i % 50}`, expectedVersion: "any", events: [started()] })),
    );
    const positions = results.flatMap((events) => events.map((e) => e.gp)).sort((a, b) => a - b);
    expect(positions).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
    expect(batches.reduce((a, b) => a + b, 0)).toBe(300);
    // group commit: far fewer transactions than commands
    expect(batches.length).toBeLessThan(30);
    expect((await dialect.head()).position).toBe(300);
    expect(mirrored.map((e) => e.gp)).toEqual(positions);
  });

  it("emits on committed$ after commit and mirror, before the caller is answered", async () => {
    const w = writer();
    const seen: number[] = [];
    w.committed$.subscribe((e) => seen.push(e.gp));
    const events = await w.append({ streamId: "node:a", expectedVersion: 0, events: [started(), started()] });
    expect(seen).toEqual(events.map((e) => e.gp));
    expect(mirrored.map((e) => e.gp)).toEqual([1, 2]);
    const rows = await dialect.readAll(0, 10);
    expect(rows.map((r) => r.hash)).toEqual(events.map((e) => e.hash));
  });

  it("reports a stream version conflict to its command only", async () => {
    const w = writer();
    await w.append({ streamId: "node:a", expectedVersion: 0, events: [started()] });
    const [stale, fresh] = await Promise.allSettled([
      w.append({ streamId: "node:a", expectedVersion: 0, events: [started()] }),
      w.append({ streamId: "node:b", expectedVersion: 0, events: [started()] }),
    ]);
    expect(stale.status).toBe("rejected");
    expect((stale as PromiseRejectedResult).reason).toBeInstanceOf(StreamVersionConflictError);
    expect((stale as PromiseRejectedResult).reason.conflict).toMatchObject({ streamId: "node:a", expected: 0, actual: 1 });
    expect(fresh.status).toBe("fulfilled");
    expect((await dialect.readStream("node:a")).length).toBe(1);
  });

  it("refuses an event the catalogue does not accept before it reaches the database", async () => {
    const w = writer();
    await expect(w.append({ streamId: "x:1", expectedVersion: "any", events: [{ type: "acme.nonsense", v: 1, data: {} }] })).rejects.toThrow(/unknown event type/);
    await expect(w.append({ streamId: "x:1", expectedVersion: "any", events: [{ type: "node.started", v: 1, data: { pid: -1 } }] })).rejects.toThrow();
    expect((await dialect.head()).position).toBe(0);
  });

  it("isolates a command that breaks a projection from the others in its batch", async () => {
    const w = writer();
    const bootId = uuidv4();
    await w.append({ streamId: "node:a", expectedVersion: "any", events: [started(bootId)] });
    const outcomes = await Promise.allSettled([
      w.append({ streamId: "node:b", expectedVersion: "any", events: [started()] }),
      // the same bootId again violates node_boots' primary key
      w.append({ streamId: "node:c", expectedVersion: "any", events: [started(bootId)] }),
      w.append({ streamId: "node:d", expectedVersion: "any", events: [started()] }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((await dialect.readStream("node:c")).length).toBe(0);
    const rows = await dialect.readAll(0, 10);
    expect(rows.map((r) => r.position)).toEqual([1, 2, 3]);
    expect(await dialect.readProjection("node_boots")).toHaveLength(3);
  });

  it("stops acknowledging once the audit file cannot be written, keeping what was committed", async () => {
    const told: Error[] = [];
    const w = new EventWriter({
      dialect, serverId, leaseEpoch: null, clock: () => new Date(), projections: tableProjections,
      mirror: { appendEvents: async () => { throw new Error("ENOSPC: no space left on device"); } },
      onStopped: (e) => told.push(e),
    });
    await expect(w.append({ streamId: "node:a", expectedVersion: "any", events: [started()] })).rejects.toBeInstanceOf(AuditMirrorError);
    expect(w.refusal).toBeInstanceOf(AuditMirrorError);
    await expect(w.append({ streamId: "node:b", expectedVersion: "any", events: [started()] })).rejects.toThrow(/ENOSPC/);
    // committed before the mirror failed: the next boot re-mirrors it from the database
    expect((await dialect.head()).position).toBe(1);
    expect(told).toHaveLength(1);
    expect(told[0]?.message).toMatch(/ENOSPC/);
  });

  it("stops for good when an append finds the lease taken over: the whole batch fails at once, nothing more commits", async () => {
    const other = uuidv4();
    await dialect.acquireLease({ serverId, hostname: "ca1", now: new Date(), ttlMs: 10_000, force: false });
    const told: Error[] = [];
    const attempts: number[] = [];
    const w = new EventWriter({
      dialect: { ...dialect, appendBatch: (c, ctx) => (attempts.push(c.length), dialect.appendBatch(c, ctx)) },
      serverId, leaseEpoch: 1, clock: () => new Date(), projections: tableProjections, mirror: { appendEvents: async () => {} },
      onStopped: (e) => told.push(e),
    });
    await w.append({ streamId: "node:a", expectedVersion: "any", events: [started()] });
    await dialect.acquireLease({ serverId: other, hostname: "ca2", now: new Date(), ttlMs: 10_000, force: true });

    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => w.append({ streamId: `node:${i}`, expectedVersion: "any", events: [started()] })),
    );
    expect(outcomes.every((o) => o.status === "rejected" && o.reason instanceof LeaseLostError)).toBe(true);
    expect(attempts).toEqual([1, 5]); // no one-by-one retries of a fenced batch
    expect(w.refusal).toBeInstanceOf(LeaseLostError);
    await expect(w.append({ streamId: "node:z", expectedVersion: "any", events: [started()] })).rejects.toBeInstanceOf(LeaseLostError);
    expect(attempts).toEqual([1, 5]);
    expect(told).toHaveLength(1);
    expect(told[0]?.message).toContain(`held by server_id ${other}`);
    expect((await dialect.head()).position).toBe(1);
  });

  it("refuses appends at once when told the lease was lost between appends", async () => {
    const w = writer();
    const lost = new LeaseLostError({ serverId, epoch: 1 }, null);
    w.leaseLost(lost);
    await expect(w.append({ streamId: "node:a", expectedVersion: "any", events: [started()] })).rejects.toBe(lost);
    expect(w.refusal).toBe(lost);
    expect((await dialect.head()).position).toBe(0);
  });

  it("refuses appends after close and lets queued ones finish", async () => {
    const w = writer();
    const pending = w.append({ streamId: "node:a", expectedVersion: "any", events: [started()] });
    await w.close();
    await expect(pending).resolves.toHaveLength(1);
    await expect(w.append({ streamId: "node:a", expectedVersion: "any", events: [started()] })).rejects.toBeInstanceOf(WriterClosedError);
  });

  it("projects inline exactly what a rebuild projects", async () => {
    const w = writer();
    await Promise.all(Array.from({ length: 40 }, (_, i) => w.append({ streamId: `node:${i % 7}`, expectedVersion: "any", events: [started()] })));
    const live = await dialect.readProjection("node_boots");
    await dialect.rebuildProjections((events) => projectBatch(tableProjections, events));
    expect(await dialect.readProjection("node_boots")).toEqual(live);
    expect(live).toHaveLength(40);
  });
});

describe("event writer with the database gone", () => {
  it("fails the whole batch at once with a retryable error, and recovers when it is back", async () => {
    let down = true;
    const flaky: EventStoreDialect = {
      ...dialect,
      appendBatch: (commands, ctx) => {
        if (!down) return dialect.appendBatch(commands, ctx);
        return Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }));
      },
    };
    const attempts: number[] = [];
    const w = new EventWriter({
      dialect: { ...flaky, appendBatch: (c, ctx) => (attempts.push(c.length), flaky.appendBatch(c, ctx)) },
      serverId, leaseEpoch: null, clock: () => new Date(), projections: tableProjections, mirror: { appendEvents: async () => {} },
    });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 20 }, (_, i) => w.append({ streamId: `node:${i}`, expectedVersion: "any", events: [started()] })),
    );
    expect(outcomes.every((o) => o.status === "rejected" && o.reason instanceof StoreUnavailableError)).toBe(true);
    expect(attempts).toEqual([20]); // one attempt, no one-by-one retries
    down = false;
    await expect(w.append({ streamId: "node:x", expectedVersion: "any", events: [started()] })).resolves.toHaveLength(1);
  });
});

describe("event writer pipeline", () => {
  it("commits the next batch while the previous one syncs, keeping mirror, committed$ and answers in order", async () => {
    const log: string[] = [];
    let commits = 0;
    const slowMirror: CommitMirror = {
      appendEvents: async (events) => {
        log.push(`mirror ${events[0]?.gp}-${events.at(-1)?.gp} start`);
        await new Promise((r) => setTimeout(r, 30));
        mirrored.push(...events);
        log.push(`mirror ${events[0]?.gp} end`);
      },
    };
    const w = new EventWriter({
      dialect: { ...dialect, appendBatch: async (c, ctx) => { const r = await dialect.appendBatch(c, ctx); log.push(`commit ${++commits}`); return r; } },
      serverId, leaseEpoch: null, clock: () => new Date(), projections: tableProjections, mirror: slowMirror, maxBatch: 4,
    });
    const emitted: number[] = [];
    w.committed$.subscribe((e) => emitted.push(e.gp));
    const answered: number[] = [];
    await Promise.all(Array.from({ length: 12 }, (_, i) =>
      w.append({ streamId: `node:${i}`, expectedVersion: "any", events: [started()] }).then((e) => answered.push(e[0]!.gp))));
    const order = Array.from({ length: 12 }, (_, i) => i + 1);
    expect(mirrored.map((e) => e.gp)).toEqual(order);
    expect(emitted).toEqual(order);
    expect(answered).toEqual(order);
    // each batch commits while the one before it is still being mirrored
    expect(log).toEqual([
      "commit 1", "mirror 1-4 start", "commit 2", "mirror 1 end",
      "mirror 5-8 start", "commit 3", "mirror 5 end", "mirror 9-12 start", "mirror 9 end",
    ]);
  });

  it("reports where each batch's time went: each command's wait in the queue, the transaction, the audit file", async () => {
    const stats: WriterBatchStats[] = [];
    const w = new EventWriter({
      dialect: { ...dialect, appendBatch: async (c, ctx) => { await new Promise((r) => setTimeout(r, 20)); return dialect.appendBatch(c, ctx); } },
      serverId, leaseEpoch: null, clock: () => new Date(), projections: tableProjections, maxBatch: 4,
      mirror: { appendEvents: async (events) => { await new Promise((r) => setTimeout(r, 40)); mirrored.push(...events); } },
      onBatch: (s) => stats.push(s),
    });
    await Promise.all(Array.from({ length: 8 }, (_, i) => w.append({ streamId: `node:${i}`, expectedVersion: "any", events: [started()] })));
    expect(stats.map((s) => s.commands)).toEqual([4, 4]);
    for (const s of stats) {
      expect(s.queuedMs).toHaveLength(s.commands);
      expect(s.transactionMs).toBeGreaterThanOrEqual(15);
      expect(s.auditFileMs).toBeGreaterThanOrEqual(35);
      expect(s.ms).toBeGreaterThanOrEqual(s.transactionMs + s.auditFileMs - 1);
    }
    // The second four were queued with the first and waited out its transaction.
    expect(Math.min(...(stats[1]?.queuedMs ?? []))).toBeGreaterThanOrEqual(15);
  });

  it("mirrors a commit whose answer was lost before the next batch, so the audit file misses nothing", async () => {
    const w = writer();
    const seen: number[] = [];
    w.committed$.subscribe((e) => seen.push(e.gp));
    await w.append({ streamId: "node:a", expectedVersion: "any", events: [started()] });
    // The COMMIT reaches the database, then the connection drops before its answer.
    const real = dialect.appendBatch.bind(dialect);
    dialect.appendBatch = async (commands, ctx) => {
      dialect.appendBatch = real;
      await real(commands, ctx);
      throw new StoreUnavailableError("the database is unavailable: read ECONNRESET");
    };
    await expect(w.append({ streamId: "node:b", expectedVersion: "any", events: [started()] })).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(mirrored.map((e) => e.gp)).toEqual([1]);
    // The next batch first mirrors (and emits) event 2, then commits its own.
    const [third] = await w.append({ streamId: "node:c", expectedVersion: "any", events: [started()] });
    expect(third?.gp).toBe(3);
    expect(mirrored.map((e) => e.gp)).toEqual([1, 2, 3]);
    expect(seen).toEqual([1, 2, 3]);
  });
});
