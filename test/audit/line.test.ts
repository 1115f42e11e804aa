import { describe, expect, it } from "vitest";
import { canonicalJson, eventHash, GENESIS_HASH, sealEnvelope, type Envelope } from "../../events/index.js";
import { lineEvent } from "../../src/audit/line-event.js";
import { scanAuditText } from "../../src/audit/chain.js";
import { checkLine } from "../../src/audit/check-line.js";
import {
  auditedFromStored,
  buildEventLine,
  buildLifecycleLine,
  EMPTY_CHAIN,
  lineHash,
  serializeLine,
  tipOf,
  type AuditLine,
  type EventLine,
} from "../../src/audit/line.js";

const SERVER = "6f0c1e7a-2b1d-4c3e-9f00-0a1b2c3d4e5f";
const at = new Date("2026-11-30T10:00:00.123Z");

/** A boot line, then `count - 1` event lines carrying real sealed events chained from genesis. */
function chain(count: number): AuditLine[] {
  const lines: AuditLine[] = [buildLifecycleLine(EMPTY_CHAIN, SERVER, "boot", at, { pid: 7 })];
  let prevHash = GENESIS_HASH;
  for (let i = 1; i < count; i++) {
    const prev = lines[i - 1];
    if (!prev) throw new Error("unreachable");
    const event = sealEnvelope({
      at: "2026-11-30T10:00:00.000Z",
      data: { pid: i, note: 'quote " and \\ backslash, 10 > 9' },
      eid: `0190f000-0000-7000-8000-00000000000${i % 10}`,
      gp: i,
      meta: { node: SERVER, epoch: 1 },
      prev: prevHash,
      sid: `node:${SERVER}`,
      sv: i,
      type: "node.started",
      v: 1,
    });
    prevHash = event.hash;
    lines.push(buildEventLine(tipOf(prev), SERVER, auditedFromStored(event)));
  }
  return lines;
}

const text = (lines: readonly AuditLine[]): string => lines.map(serializeLine).join("");

describe("audit line", () => {
  it("is canonical JSON with the documented fields, chained from the genesis hash", () => {
    const [boot, event] = chain(2);
    expect(boot?.prev).toBe(GENESIS_HASH);
    expect(event?.prev).toBe(boot?.hash);
    expect(event?.seq).toBe(2);
    expect(serializeLine(event as AuditLine)).toMatch(
      /^\{"at":"[^"]+","event":\{"at":"[^"]+","data":.*\},"event_hash":"[0-9a-f]{64}","event_type":"node\.started","hash":"[0-9a-f]{64}","kind":"event","position":1,"prev":"[0-9a-f]{64}","seq":2,"server_id":"[^"]+","stream_id":"node:[^"]+"\}\n$/,
    );
  });

  it("writes exactly the canonical JSON of the sealed line, even when details nest a kind key", () => {
    const tricky = buildLifecycleLine(EMPTY_CHAIN, "node-a", "repair", new Date(0), {
      note: ',"kind":"event"',
      nested: { kind: "x", list: [{ kind: "y" }] },
    });
    expect(serializeLine(tricky)).toBe(`${canonicalJson(tricky)}\n`);
    const [boot, event] = chain(2);
    for (const line of [boot, event] as AuditLine[]) expect(serializeLine(line)).toBe(`${canonicalJson(line)}\n`);
    expect(checkLine(EMPTY_CHAIN, serializeLine(tricky).slice(0, -1)).ok).toBe(true);
  });

  it("accepts each line of a good chain", () => {
    let tip = EMPTY_CHAIN;
    for (const line of chain(4)) {
      const check = checkLine(tip, serializeLine(line).slice(0, -1));
      expect(check.ok).toBe(true);
      tip = tipOf(line);
    }
  });

  it("names what is wrong with a bad line", () => {
    const [boot, event] = chain(2) as [AuditLine, AuditLine];
    const bootTip = tipOf(boot);
    const eventText = serializeLine(event).slice(0, -1);
    expect(checkLine(bootTip, "{not json")).toMatchObject({ kind: "parse", reason: "line 2: not valid JSON" });
    expect(checkLine(bootTip, eventText.replace('"position":1', '"position":2'))).toMatchObject({
      kind: "bad-hash",
      reason: "line 2: hash does not match the line's content",
    });
    expect(checkLine(EMPTY_CHAIN, eventText)).toMatchObject({ kind: "bad-seq" });
    expect(checkLine({ seq: 1, hash: "f".repeat(64) }, eventText)).toMatchObject({
      kind: "broken-link",
      reason: "line 2: prev does not match the hash of line 1",
    });
    expect(checkLine(bootTip, eventText.replace("{", "{ "))).toMatchObject({ kind: "parse", reason: "line 2: not in canonical JSON form" });
    expect(checkLine(bootTip, eventText.replace('"kind":"event"', '"kind":"takeover"'))).toMatchObject({ kind: "parse" });
  });
});

describe("scanning a file's text", () => {
  it("reports the tip, the last event position and no torn tail for a good file", () => {
    const lines = chain(5);
    const scan = scanAuditText(text(lines));
    expect(scan).toMatchObject({ ok: true, tip: { seq: 5 }, lastEventPosition: 4, tornTail: null });
  });

  it("treats a final piece without LF as a torn tail, and keeps the good prefix", () => {
    const good = text(chain(3));
    const partial = serializeLine(chain(4)[3] as AuditLine).slice(0, 40);
    const scan = scanAuditText(good + partial);
    expect(scan).toMatchObject({ ok: true, tip: { seq: 3 }, goodBytes: Buffer.byteLength(good) });
    if (!scan.ok) return;
    expect(scan.tornTail).toEqual({ line: 4, bytes: 40, reason: expect.stringContaining("no line feed"), dropped: partial });
  });

  it("treats a bad final line with LF as a torn tail too", () => {
    const lines = text(chain(3)).split("\n");
    lines[2] = (lines[2] ?? "").replace('"seq":3', '"seq":9');
    const scan = scanAuditText(lines.join("\n"));
    expect(scan).toMatchObject({ ok: true, tip: { seq: 2 }, tornTail: { line: 3, reason: expect.stringContaining("hash does not match") } });
  });

  it("treats an intact last line that does not follow on as tampering, not as a torn tail", () => {
    const lines = text(chain(4)).split("\n");
    expect(scanAuditText([...lines.slice(0, 2), ...lines.slice(3)].join("\n"))).toMatchObject({
      ok: false,
      fault: { line: 3, kind: "bad-seq" },
    });
  });

  it("treats a bad line followed by anything as tampering, even a torn piece", () => {
    const lines = text(chain(4)).split("\n");
    lines[1] = (lines[1] ?? "").replace("node.started", "node.stopped");
    expect(scanAuditText(lines.join("\n"))).toEqual({
      ok: false,
      fault: { line: 2, kind: "bad-hash", reason: "line 2: hash does not match the line's content" },
    });
    expect(scanAuditText(`${lines.slice(0, 2).join("\n")}\n{"partial`)).toMatchObject({ ok: false, fault: { line: 2 } });
  });
});

describe("the event an event line carries", () => {
  it("gives back the stored body byte for byte, so the row can be re-inserted exactly", () => {
    const line = chain(2)[1] as EventLine;
    const carried = lineEvent(line);
    expect(carried.ok).toBe(true);
    if (!carried.ok) return;
    expect(carried.event.hash).toBe(line.event_hash);
    expect(eventHash(carried.event.body)).toBe(line.event_hash);
    expect(carried.event).toMatchObject({ gp: 1, sv: 1, type: "node.started", v: 1, prev: GENESIS_HASH, meta: { node: SERVER, epoch: 1 } });
    // the same, from the text a reader gets back from the file
    const parsed = checkLine(tipOf(chain(1)[0] as AuditLine), serializeLine(line).slice(0, -1));
    expect(parsed.ok && parsed.line.kind === "event" && lineEvent(parsed.line)).toMatchObject({ ok: true, event: { body: carried.event.body } });
  });

  it("accepts event lines of older builds without the event, which verify but cannot be recovered from", () => {
    const [boot, line] = chain(2) as [AuditLine, EventLine];
    const { hash: _h, event: _e, ...rest } = line;
    const unsealed = { ...rest };
    const old = { ...unsealed, hash: lineHash(unsealed) };
    const check = checkLine(tipOf(boot), canonicalJson(old));
    expect(check.ok).toBe(true);
    expect(check.ok && check.line.kind === "event" && lineEvent(check.line)).toMatchObject({ ok: false, kind: "no-body" });
  });

  it("refuses an event that does not hash to the line's event_hash, even in a line re-sealed around it", () => {
    const [boot, line] = chain(2) as [AuditLine, EventLine];
    const { hash: _h, ...rest } = line;
    const edited = { ...rest, event: { ...(line.event as Envelope), data: { pid: 666 } } };
    const resealed = { ...edited, hash: lineHash(edited) };
    const check = checkLine(tipOf(boot), canonicalJson(resealed));
    expect(check.ok).toBe(true); // the line's own chain cannot tell…
    expect(check.ok && check.line.kind === "event" && lineEvent(check.line)).toMatchObject({
      ok: false,
      kind: "bad-body",
      reason: "line 2: the event it carries does not hash to its event_hash (position 1)",
    });
  });

  it("refuses a line whose claims about the event differ from the event", () => {
    const line = chain(2)[1] as EventLine;
    expect(lineEvent({ ...line, event: line.event, stream_id: "order:x" })).toMatchObject({
      ok: false,
      reason: 'line 2: stream is "order:x" in the file but "node:6f0c1e7a-2b1d-4c3e-9f00-0a1b2c3d4e5f" in the event it carries',
    });
  });
});
