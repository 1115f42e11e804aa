/**
 * The audit head the database records for a node (src/audit/head.ts): `audit verify` and the
 * boot refuse a file that ends before it — lines deleted from the end, even lifecycle lines
 * that no event check sees — while a file that grew since the last heartbeat, and a torn tail
 * after the recorded head, are still accepted and repaired as before.
 */
import { appendFile, readFile, rm, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { AuditTampered, openAuditFile, verifyAudit, type AuditLogger } from "../../src/audit/index.js";
import { buildLifecycleLine, serializeLine } from "../../src/audit/line.js";
import { clock, fileLines, NODE_A, parsedLines, workdir, writeLines } from "./helpers.js";
import { MemoryEventLog } from "./memory-store.js";

/** boot, two events, shutdown — the head recorded at the clean stop: 4 lines. */
async function stoppedNode(): Promise<{ path: string; store: MemoryEventLog; lines: string[] }> {
  const { path } = await workdir();
  const store = new MemoryEventLog();
  const { mirror } = await openAuditFile({ path, serverId: NODE_A, store, clock });
  await mirror.appendLifecycle("boot", { pid: 1 });
  await mirror.appendEvents(store.append(NODE_A, 2));
  await mirror.appendLifecycle("shutdown", { reason: "signal" });
  await mirror.close();
  store.heads.set(NODE_A, mirror.head);
  return { path, store, lines: await fileLines(path) };
}

/** Keeps the warnings, to check what the operator is told. */
function recordingLog(): AuditLogger & { readonly warnings: [object, string][] } {
  const warnings: [object, string][] = [];
  return { warnings, info: () => {}, warn: (details, message) => warnings.push([details, message]) };
}

describe("audit verify against the recorded head", () => {
  it("passes the file as recorded, and a file that grew after the last heartbeat", async () => {
    const { path, store } = await stoppedNode();
    expect(store.heads.get(NODE_A)?.lines).toBe(4);
    expect(await verifyAudit({ path, store })).toEqual({ ok: true, lines: 4, events: 2, bodiless: 0, serverId: NODE_A });

    const { mirror } = await openAuditFile({ path, serverId: NODE_A, store, clock });
    await mirror.appendLifecycle("boot", { pid: 2 });
    await mirror.appendEvents(store.append(NODE_A, 1));
    await mirror.close();
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: true, lines: 6, events: 3 });
  });

  it("fails a file whose trailing shutdown line was deleted, naming the recorded line count; without the head nothing sees it", async () => {
    const { path, store, lines } = await stoppedNode();
    await writeLines(path, lines.slice(0, 3));
    expect(await verifyAudit({ path, store })).toEqual({
      ok: false,
      line: 4,
      kind: "truncated",
      reason:
        "the database recorded this node's audit file at 4 lines (last heartbeat or clean stop), but only 3 intact line(s) remain: the file was cut after line 3 (or the file was restored from a copy older than the database)",
    });
    // The pre-upgrade probe skips the head while migrations are pending; so does a node with none recorded.
    expect(await verifyAudit({ path, store, recordedHead: false })).toMatchObject({ ok: true, lines: 3 });
    store.heads.clear();
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: true, lines: 3 });
  });

  it("fails an emptied file when the node is named, and one cut inside the recorded head's line as truncated, not torn", async () => {
    const { path, store, lines } = await stoppedNode();
    await writeFile(path, "");
    expect(await verifyAudit({ path, store, serverId: NODE_A })).toMatchObject({ ok: false, line: 1, kind: "truncated" });

    await writeFile(path, `${lines.slice(0, 3).join("\n")}\n${String(lines[3]).slice(0, 40)}`);
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: false, line: 4, kind: "truncated" });
  });

  it("still reports a torn tail after the recorded head as torn-tail", async () => {
    const { path, store } = await stoppedNode();
    await appendFile(path, '{"at":"2026-11-30T10:00:00.000Z","det');
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: false, line: 5, kind: "torn-tail" });
  });

  it("fails a file cut and written on again: the line at the recorded count is another line", async () => {
    const { path, store, lines } = await stoppedNode();
    const [third] = (await parsedLines(path)).slice(2, 3);
    const other = buildLifecycleLine({ seq: 3, hash: String(third?.["hash"]) }, NODE_A, "shutdown", clock(), { reason: "fatal" });
    await writeFile(path, `${lines.slice(0, 3).join("\n")}\n${serializeLine(other)}`);
    expect(await verifyAudit({ path, store })).toEqual({
      ok: false,
      line: 4,
      kind: "truncated",
      reason: "line 4 is not the line the database recorded as the head of this node's audit file: the file was cut and written again, or replaced (by a copy from another time than the database's)",
    });
  });
});

describe("opening an audit file against the recorded head", () => {
  it("refuses a file shorter than the recorded head as tampering, and leaves it untouched", async () => {
    const { path, store, lines } = await stoppedNode();
    await writeLines(path, lines.slice(0, 2));
    const before = await readFile(path, "utf8");
    const refused = await openAuditFile({ path, serverId: NODE_A, store, clock }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AuditTampered);
    expect(refused).toMatchObject({ path, line: 3, fault: { kind: "truncated" } });
    expect((refused as Error).message).toContain("recorded this node's audit file at 4 lines");
    expect((refused as Error).message).toContain("refusing to start");
    expect(await readFile(path, "utf8")).toBe(before);
  });

  it("reopens a file that lost trailing event lines the database holds: re-mirrored, the recorded head reproduced exactly", async () => {
    // A node that recorded its head at a heartbeat after two events (no shutdown line), then a
    // file system that lost the last synced line (ext4 after a journal abort does).
    const { path } = await workdir();
    const store = new MemoryEventLog();
    const { mirror } = await openAuditFile({ path, serverId: NODE_A, store, clock });
    await mirror.appendLifecycle("boot", { pid: 1 });
    await mirror.appendEvents(store.append(NODE_A, 2));
    store.heads.set(NODE_A, mirror.head);
    await mirror.close();
    const lines = await fileLines(path);
    await writeLines(path, lines.slice(0, 2));
    const log = recordingLog();
    const { mirror: reopened, report } = await openAuditFile({ path, serverId: NODE_A, store, clock, log });
    await reopened.close();
    expect(report).toMatchObject({ created: false, remirrored: 1 });
    expect((await fileLines(path)).slice(0, 3)).toEqual(lines);
    expect(log.warnings[0]?.[1]).toContain("re-mirroring them reproduces the recorded head exactly");
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: true });

    // The same cut with the database's event changed since is not reproduced: refused, untouched.
    await writeLines(path, lines.slice(0, 2));
    const altered = new MemoryEventLog();
    altered.heads.set(NODE_A, store.heads.get(NODE_A) ?? { lines: 0, hash: "" });
    altered.append(NODE_A, 3);
    await expect(openAuditFile({ path, serverId: NODE_A, store: altered, clock })).rejects.toMatchObject({ name: "AuditTampered", fault: { kind: "truncated", line: 3 } });
    expect(await fileLines(path)).toEqual(lines.slice(0, 2));
  });

  it("refuses a file whose last recorded line is torn: it was synced before the head was recorded, so no crash tore it", async () => {
    const { path, store, lines } = await stoppedNode();
    await writeFile(path, `${lines.slice(0, 3).join("\n")}\n${String(lines[3]).slice(0, 40)}`);
    await expect(openAuditFile({ path, serverId: NODE_A, store, clock })).rejects.toMatchObject({ name: "AuditTampered", fault: { kind: "truncated", line: 4 } });
  });

  it("cuts a torn tail after the recorded head and opens, the head being one heartbeat behind", async () => {
    const { path, store } = await stoppedNode();
    const { mirror } = await openAuditFile({ path, serverId: NODE_A, store, clock });
    await mirror.appendLifecycle("boot", { pid: 2 });
    await mirror.close();
    await appendFile(path, '{"at":"2026-11-30T10:00:00.000Z","det');
    const { mirror: reopened, report } = await openAuditFile({ path, serverId: NODE_A, store, clock });
    await reopened.close();
    expect(report).toMatchObject({ created: false, tornTail: { line: 6 } });
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: true, lines: 6 });
  });

  it("starts a new file when the old one was moved aside, keeping the old head in its repair line", async () => {
    const { path, store } = await stoppedNode();
    const recorded = store.heads.get(NODE_A);
    await rm(path);
    const log = recordingLog();
    const { mirror, report } = await openAuditFile({ path, serverId: NODE_A, store, clock, log });
    expect(report).toMatchObject({ created: true, remirrored: 2 });
    expect(log.warnings).toEqual([[expect.objectContaining({ recordedLines: 4 }), expect.stringContaining("starting a new file")], expect.anything()]);
    const repair = (await parsedLines(path)).at(-1);
    expect(repair).toMatchObject({ kind: "repair", details: { replacedFileLines: 4, replacedFileHead: recorded?.hash, remirrored: 2 } });
    // Until the node records the new file's head, verify still holds it to the old one.
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: false, kind: "truncated" });
    store.heads.set(NODE_A, mirror.head);
    await mirror.close();
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: true, lines: 3, events: 2 });
  });
});
