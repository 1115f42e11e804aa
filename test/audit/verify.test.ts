import { appendFile, readFile, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { openAuditFile, verifyAudit } from "../../src/audit/index.js";
import { auditedFromStored, buildEventLine, EMPTY_CHAIN, serializeLine, tipOf, type AuditLine } from "../../src/audit/line.js";
import type { StoredEvent } from "../../events/index.js";
import { clock, NODE_A, NODE_B, workdir } from "./helpers.js";
import { MemoryEventLog } from "./memory-store.js";

/** A file holding event lines for exactly `events` (in that order), built by the line module. */
async function fileOf(events: readonly StoredEvent[]): Promise<string> {
  const { path } = await workdir();
  const { mirror } = await openAuditFile({ path, serverId: NODE_A, store: new MemoryEventLog(), clock });
  await mirror.close();
  let tip = EMPTY_CHAIN;
  const lines: AuditLine[] = [];
  for (const e of events) {
    const line = buildEventLine(tip, NODE_A, auditedFromStored(e));
    lines.push(line);
    tip = tipOf(line);
  }
  await writeFile(path, lines.map(serializeLine).join(""));
  return path;
}

describe("audit verify", () => {
  it("passes a file that mirrors exactly this node's events", async () => {
    const store = new MemoryEventLog();
    const before = store.append(NODE_A, 2);
    store.append(NODE_B, 3); // the other node of a cold active/passive pair
    const after = store.append(NODE_A, 2);
    const path = await fileOf([...before, ...after]);
    expect(await verifyAudit({ path, store })).toEqual({ ok: true, lines: 4, events: 4, bodiless: 0, serverId: NODE_A });
    expect(await verifyAudit({ path, store, serverId: NODE_A, batchSize: 1 })).toMatchObject({ ok: true, events: 4 });
  });

  it("reports a database body altered after the fact", async () => {
    const store = new MemoryEventLog();
    const events = store.append(NODE_A, 3);
    const path = await fileOf(events);
    store.replaceBody(2, (events[1]?.body ?? "").replace("ca-1.corp.example", "evil.example"));
    expect(await verifyAudit({ path, store })).toEqual({
      ok: false,
      line: 2,
      kind: "db-mismatch",
      reason: "line 2: the database body at position 2 no longer hashes to its stored hash (the row was altered)",
    });
  });

  it("reports an event of this node that the file skips, by position", async () => {
    const store = new MemoryEventLog();
    const [e1, e2, e3] = store.append(NODE_A, 3) as [StoredEvent, StoredEvent, StoredEvent];
    const path = await fileOf([e1, e3]);
    expect(await verifyAudit({ path, store })).toMatchObject({
      ok: false,
      line: 2,
      kind: "missing-event",
      reason: expect.stringContaining(`event ${e2.gp} (node.started) appended by server ${NODE_A}`),
    });
  });

  it("reports a line for an event the database does not have, or that another node appended", async () => {
    const store = new MemoryEventLog();
    const events = store.append(NODE_A, 2);
    const path = await fileOf(events);
    const empty = new MemoryEventLog();
    expect(await verifyAudit({ path, store: empty })).toMatchObject({
      ok: false,
      line: 1,
      kind: "ahead-of-database",
      reason: expect.stringContaining("mirrors 2 events at positions 1–2 (from line 1) that the database does not have: its log ends at position 0"),
    });
    const other = new MemoryEventLog();
    other.append(NODE_B, 2);
    expect(await verifyAudit({ path, store: other })).toMatchObject({
      line: 1,
      kind: "db-mismatch",
      reason: `line 1: the database says position 1 was appended by server ${NODE_B}, not ${NODE_A}`,
    });
  });

  it("reports an event mirrored twice", async () => {
    const store = new MemoryEventLog();
    const [e1, e2] = store.append(NODE_A, 2) as [StoredEvent, StoredEvent];
    const path = await fileOf([e1, e2, e2]);
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: false, line: 3, kind: "bad-seq" });
  });

  it("reports a file of another node", async () => {
    const store = new MemoryEventLog();
    const path = await fileOf(store.append(NODE_A, 1));
    expect(await verifyAudit({ path, store, serverId: NODE_B })).toEqual({
      ok: false,
      line: 1,
      kind: "foreign-server",
      reason: `line 1: written by server ${NODE_A}, but the file belongs to ${NODE_B}`,
    });
  });

  it("reports a torn tail as a crash artefact", async () => {
    const store = new MemoryEventLog();
    const path = await fileOf(store.append(NODE_A, 2));
    await appendFile(path, '{"at":');
    expect(await verifyAudit({ path, store })).toMatchObject({
      ok: false,
      line: 3,
      kind: "torn-tail",
      reason: expect.stringContaining("the next boot cuts it and re-mirrors from the database"),
    });
  });

  it("passes an empty file, and with a server id checks that the database agrees", async () => {
    const store = new MemoryEventLog();
    const path = await fileOf([]);
    expect(await verifyAudit({ path, store })).toEqual({ ok: true, lines: 0, events: 0, bodiless: 0, serverId: null });
    store.append(NODE_A, 1);
    expect(await verifyAudit({ path, store, serverId: NODE_A })).toMatchObject({ ok: false, line: 1, kind: "missing-event" });
  });
});

describe("audit verify after a restore", () => {
  it("names the events beyond the database's head and events recover, after checking the whole chain", async () => {
    const store = new MemoryEventLog();
    const events = [...store.append(NODE_A, 2), ...store.append(NODE_A, 3)];
    const path = await fileOf(events);
    store.restoreTo(2);
    expect(await verifyAudit({ path, store })).toEqual({
      ok: false,
      line: 3,
      kind: "ahead-of-database",
      reason: expect.stringMatching(/mirrors 3 events at positions 3–5 \(from line 3\) that the database does not have: its log ends at position 2\..*certeasy events recover --from-audit/),
    });
    // a tampered line after the restore point is still reported as such, not hidden by the restore
    const text = await readFile(path, "utf8");
    await writeFile(path, text.replace('"position":4', '"position":6'));
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: false, line: 4, kind: "bad-hash" });
  });

  it("checks the event each line carries against its event_hash", async () => {
    const store = new MemoryEventLog();
    const events = store.append(NODE_A, 2);
    const [first] = events;
    if (!first) throw new Error("unreachable");
    // a line whose carried event was edited, then re-sealed so that its own hash and chain hold
    const forged = buildEventLine(EMPTY_CHAIN, NODE_A, { ...auditedFromStored(first), body: first.body.replace('"pid":', '"pid":9') });
    const path = await fileOf([]);
    await writeFile(path, serializeLine(forged));
    expect(await verifyAudit({ path, store })).toMatchObject({
      ok: false,
      line: 1,
      kind: "bad-body",
      reason: "line 1: the event it carries does not hash to its event_hash (position 1)",
    });
  });
});
