import { constants } from "node:fs";
import { appendFile, open, readdir, readFile, readlink, stat, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { scanAuditText } from "../../src/audit/chain.js";
import { pino } from "pino";
import {
  AuditAheadOfDatabase,
  AuditDivergedFromDatabase,
  AuditEventNotOwned,
  AuditForeignServer, AuditMirrorStopped, AuditTampered, openAuditFile, verifyAudit, type AuditLogger } from "../../src/audit/index.js";
import { clock, fileLines, NODE_A, NODE_B, parsedLines, workdir, writeLines } from "./helpers.js";
import { MemoryEventLog } from "./memory-store.js";

const openFor = (path: string, store: MemoryEventLog, serverId = NODE_A) => openAuditFile({ path, serverId, store, clock });

/** A file mirroring `count` events of node A after a boot line, closed again. */
async function mirroredFile(count: number): Promise<{ path: string; store: MemoryEventLog }> {
  const { path } = await workdir();
  const store = new MemoryEventLog();
  const { mirror } = await openFor(path, store);
  await mirror.appendLifecycle("boot", { pid: 1 });
  await mirror.appendEvents(store.append(NODE_A, count));
  await mirror.close();
  return { path, store };
}

describe("opening the audit file", () => {
  it("creates a private file in a private directory, and writes lines for what it is given", async () => {
    const { path } = await workdir();
    const store = new MemoryEventLog();
    const { mirror, report } = await openFor(path, store);
    expect(report).toEqual({ path, created: true, lines: 0, tornTail: null, remirrored: 0 });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(dirname(path))).mode & 0o777).toBe(0o700);

    await mirror.appendLifecycle("boot", { version: "0.1.0" });
    const events = store.append(NODE_A, 3);
    await mirror.appendEvents(events);
    await mirror.close();

    const lines = await parsedLines(path);
    expect(lines.map((l) => [l["seq"], l["kind"], l["position"]])).toEqual([
      [1, "boot", undefined],
      [2, "event", 1],
      [3, "event", 2],
      [4, "event", 3],
    ]);
    expect(lines[1]).toMatchObject({ server_id: NODE_A, event_hash: events[0]?.hash, event_type: "node.started", stream_id: `node:${NODE_A}` });
    expect(lines[0]).toMatchObject({ at: "2026-11-30T10:00:00.000Z", details: { version: "0.1.0" } });
  });

  it("continues the chain of an existing file", async () => {
    const { path, store } = await mirroredFile(2);
    const { mirror, report } = await openFor(path, store);
    expect(report).toMatchObject({ created: false, lines: 3, tornTail: null, remirrored: 0 });
    await mirror.appendEvents(store.append(NODE_A, 2));
    await mirror.appendLifecycle("shutdown", { reason: "signal" });
    await mirror.close();
    expect(scanAuditText(await readFile(path, "utf8"))).toMatchObject({ ok: true, tip: { seq: 6 }, tornTail: null });
    expect(await verifyAudit({ path, store })).toEqual({ ok: true, lines: 6, events: 4, bodiless: 0, serverId: NODE_A });
  });

  it("refuses a file another node wrote last, naming both nodes and the file, and leaves it untouched", async () => {
    const { path, store } = await mirroredFile(2);
    await appendFile(path, '{"at":"2026-'); // even a torn tail is left alone
    const before = await readFile(path);
    const opening = openFor(path, store, NODE_B);
    await expect(opening).rejects.toBeInstanceOf(AuditForeignServer);
    await expect(opening).rejects.toThrow(`audit file ${path} was last written by server ${NODE_A} but this node is ${NODE_B}`);
    expect(await readFile(path)).toEqual(before);
  });

  it("cuts a torn last line, says so, and re-mirrors its event from the database", async () => {
    const { path, store } = await mirroredFile(2);
    const [committed] = store.append(NODE_A, 1); // committed, then the crash hit mid-write
    const good = await readFile(path, "utf8");
    const torn = '{"at":"2026-11-30T09:00:03.000Z","event_hash":"ab';
    await appendFile(path, torn);
    const logged: string[] = [];
    const log: AuditLogger = pino({}, { write: (line: string) => void logged.push(line) });

    const { mirror, report } = await openAuditFile({ path, serverId: NODE_A, store, clock, log });
    await mirror.close();

    expect(report.tornTail).toEqual({
      line: 4,
      bytes: torn.length,
      reason: `line 4 has no line feed (${torn.length} bytes): a write cut short by a crash`,
      dropped: torn,
    });
    expect(report.remirrored).toBe(1);
    const warnings = logged.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
    expect(warnings.map((w) => w.msg)).toEqual([
      expect.stringContaining("audit file: cut a torn last line"),
      "audit file: re-mirrored 1 committed event(s) the file lacked (crash between commit and mirror)",
    ]);
    const text = await readFile(path, "utf8");
    expect(text.startsWith(good)).toBe(true);
    const lines = await parsedLines(path);
    expect(lines.slice(3)).toMatchObject([
      { seq: 4, kind: "event", position: 3, event_hash: committed?.hash },
      { seq: 5, kind: "repair", details: { remirrored: 1, fromPosition: 3, toPosition: 3, tornTailBytes: torn.length } },
    ]);
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: true, lines: 5, events: 3 });
  });

  it("re-mirrors only this node's events committed after the file's last event line", async () => {
    const { path, store } = await mirroredFile(2);
    store.append(NODE_A, 2);
    store.append(NODE_B, 1); // another node's turn (cold active/passive): not ours to mirror
    store.append(NODE_A, 1);
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: false, kind: "missing-event", line: 4 });

    const { mirror, report } = await openAuditFile({ path, serverId: NODE_A, store, clock, batchSize: 2 });
    await mirror.close();
    expect(report).toMatchObject({ remirrored: 3, tornTail: null, lines: 7 });
    const lines = await parsedLines(path);
    expect(lines.slice(3).map((l) => l["position"] ?? l["kind"])).toEqual([3, 4, 6, "repair"]);
    expect(await verifyAudit({ path, store })).toEqual({ ok: true, lines: 7, events: 5, bodiless: 0, serverId: NODE_A });
  });

  const tamperings: [string, (lines: string[]) => string[], number, string][] = [
    ["one character edited", (l) => l.map((s, i) => (i === 1 ? s.replace('"position":1', '"position":7') : s)), 2, "bad-hash"],
    ["a line deleted", (l) => l.filter((_, i) => i !== 2), 3, "bad-seq"],
    ["two lines swapped", (l) => [l[0], l[2], l[1], ...l.slice(3)].map(String), 2, "bad-seq"],
  ];
  for (const [what, tamper, line, kind] of tamperings) {
    it(`refuses a file with ${what} in the middle, naming the line, and leaves it untouched`, async () => {
      const { path, store } = await mirroredFile(4);
      await writeLines(path, tamper(await fileLines(path)));
      const before = await readFile(path);
      const opening = openFor(path, store);
      await expect(opening).rejects.toBeInstanceOf(AuditTampered);
      await expect(opening).rejects.toMatchObject({ line, fault: { kind } });
      await expect(opening).rejects.toThrow(`audit file ${path} has been altered: line ${line}:`);
      expect(await readFile(path)).toEqual(before);
      expect(await verifyAudit({ path, store })).toMatchObject({ ok: false, line, kind });
    });
  }

  it("refuses a middle line rewritten with a fresh hash: the next line no longer links", async () => {
    const { path, store } = await mirroredFile(3);
    const { mirror } = await openAuditFile({ path: `${path}.forged`, serverId: NODE_A, store, clock });
    await mirror.appendLifecycle("boot", { pid: 666 }); // a well-formed line 1 that the real line 2 does not link to
    await mirror.close();
    const [forged] = await fileLines(`${path}.forged`);
    const lines = await fileLines(path);
    await writeLines(path, [String(forged), ...lines.slice(1)]);
    await expect(openFor(path, store)).rejects.toThrow("line 2: prev does not match the hash of line 1");
    expect(await verifyAudit({ path, store })).toEqual({
      ok: false,
      line: 2,
      kind: "broken-link",
      reason: "line 2: prev does not match the hash of line 1",
    });
  });
});

describe("the mirror", () => {
  it("keeps the order of concurrent calls, one chain", async () => {
    const { path } = await workdir();
    const store = new MemoryEventLog();
    const { mirror } = await openFor(path, store);
    const batches = Array.from({ length: 20 }, () => store.append(NODE_A, 5));
    await Promise.all(batches.map((b) => mirror.appendEvents(b)));
    await mirror.close();
    expect((await parsedLines(path)).map((l) => l["position"])).toEqual(store.rows.map((r) => r.position));
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: true, events: 100 });
  });

  it("writes a batch of 1000 events quickly", async () => {
    const { path } = await workdir();
    const store = new MemoryEventLog();
    const { mirror } = await openFor(path, store);
    const events = store.append(NODE_A, 1000);
    const started = performance.now();
    await mirror.appendEvents(events);
    expect(performance.now() - started).toBeLessThan(500);
    await mirror.close();
    expect(await fileLines(path)).toHaveLength(1000);
  });

  it("refuses another node's events without writing anything", async () => {
    const { path } = await workdir();
    const store = new MemoryEventLog();
    const { mirror } = await openFor(path, store);
    await expect(mirror.appendEvents([...store.append(NODE_A, 1), ...store.append(NODE_B, 1)])).rejects.toBeInstanceOf(AuditEventNotOwned);
    await mirror.close();
    expect(await readFile(path, "utf8")).toBe("");
  });

  it.runIf(process.platform === "linux")("opens the file O_DSYNC, so each write returns only once its lines are on the disk", async () => {
    const { path } = await workdir();
    const store = new MemoryEventLog();
    const { mirror } = await openFor(path, store);
    try {
      // /proc/self/fdinfo/<fd> shows the open flags (octal): the descriptor of the audit file
      // must carry O_DSYNC, which is what makes a resolved append durable without an fdatasync.
      const flags: number[] = [];
      for (const fd of await readdir("/proc/self/fd")) {
        const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
        if (target !== path) continue;
        const info = await readFile(`/proc/self/fdinfo/${fd}`, "utf8").catch(() => "");
        const octal = /^flags:\s+([0-7]+)$/m.exec(info)?.[1];
        if (octal !== undefined) flags.push(Number.parseInt(octal, 8));
      }
      expect(flags).toHaveLength(1);
      expect((flags[0] ?? 0) & constants.O_DSYNC).toBe(constants.O_DSYNC);
      expect((flags[0] ?? 0) & constants.O_APPEND).toBe(constants.O_APPEND);
    } finally {
      await mirror.close();
    }
  });

  it("stops after a failed sync, so nothing later is acknowledged on a file in an unknown state", async () => {
    const { path } = await workdir();
    const store = new MemoryEventLog();
    const { mirror } = await openFor(path, store);
    const probe = await open(path, "r");
    const fileHandle = Object.getPrototypeOf(probe) as { write(): Promise<unknown>; datasync(): Promise<void> };
    await probe.close();
    // The file is opened O_DSYNC where the platform has it: the write is the sync, and a failed
    // flush surfaces as the write's EIO; elsewhere it is the datasync after the write.
    const synced = constants.O_DSYNC === undefined ? "datasync" : "write";
    const failing = vi.spyOn(fileHandle, synced).mockRejectedValueOnce(Object.assign(new Error("EIO: i/o error"), { code: "EIO" }));
    try {
      const write = mirror.appendEvents(store.append(NODE_A, 2));
      await expect(write).rejects.toBeInstanceOf(AuditMirrorStopped);
      await expect(write).rejects.toMatchObject({ cause: { code: "EIO" } });
      await expect(mirror.appendEvents(store.append(NODE_A, 1))).rejects.toBeInstanceOf(AuditMirrorStopped);
    } finally {
      failing.mockRestore();
    }
    await mirror.close();
    const reopened = await openFor(path, store); // the next boot: the chain holds, the gap is re-mirrored
    await reopened.mirror.close();
    // A failed datasync left the two lines in the file; a failed synced write left none.
    expect(reopened.report).toMatchObject({ lines: 4, remirrored: synced === "write" ? 3 : 1 });
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: true, events: 3 });
  });

  it("refuses appends once closed", async () => {
    const { path } = await workdir();
    const store = new MemoryEventLog();
    const { mirror } = await openFor(path, store);
    await mirror.close();
    await mirror.close();
    await expect(mirror.appendLifecycle("shutdown")).rejects.toBeInstanceOf(AuditMirrorStopped);
  });

  it("opens an existing empty file as it is", async () => {
    const { path } = await workdir();
    await openFor(path, new MemoryEventLog()).then(({ mirror }) => mirror.close());
    await writeFile(path, "");
    const { report, mirror } = await openFor(path, new MemoryEventLog());
    await mirror.close();
    expect(report).toMatchObject({ created: false, lines: 0 });
  });
});

describe("opening the audit file after the database was restored from an older backup", () => {
  it("refuses to start while the file mirrors events the database lacks, naming them and events recover", async () => {
    const { path, store } = await mirroredFile(5);
    store.restoreTo(2);
    const before = await readFile(path, "utf8");
    const refusal = openFor(path, store);
    await expect(refusal).rejects.toBeInstanceOf(AuditAheadOfDatabase);
    await expect(refusal).rejects.toThrow(
      `audit file ${path} mirrors 3 events at positions 3–5 (from line 4) that the database does not have: its log ends at position 2.`,
    );
    await expect(refusal).rejects.toThrow(`certeasy events recover --from-audit ${path}`);
    expect(await readFile(path, "utf8")).toBe(before); // nothing written: no boot line, no repair
  });

  it("refuses a file whose last event is a different event in the database (restored, then written to)", async () => {
    const { path, store } = await mirroredFile(3);
    store.restoreTo(1);
    store.append(NODE_B, 3); // another node appended at positions 2–4 after the restore
    const refusal = openFor(path, store);
    await expect(refusal).rejects.toBeInstanceOf(AuditDivergedFromDatabase);
    await expect(refusal).rejects.toThrow(`audit file ${path} line 4 mirrors an event at position 3, but the database holds a different event there`);
  });

  it("starts once the database has the events again", async () => {
    const { path, store } = await mirroredFile(3);
    const { mirror } = await openFor(path, store);
    await mirror.close();
    expect(await verifyAudit({ path, store })).toMatchObject({ ok: true, events: 3 });
  });
});
