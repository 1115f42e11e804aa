/**
 * Issue 8, tamper evidence: edit, delete, reorder, duplicate or truncate lines of an audit file
 * → `audit verify` fails and names the first bad line, every time. The file is what the real
 * mirror writes for a real SQLite log (boot and shutdown lines between batches of events, ending
 * on a shutdown line), with the head the node recorded in the database at its clean stop; the
 * tampering is generated.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeStreamId } from "../../events/index.js";
import { openAuditFile, verifyAudit } from "../../src/audit/index.js";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { openDialect } from "../../src/store/open.js";
import { clock, fileLines, NODE_A } from "../audit/helpers.js";
import { startedEvent } from "../audit/memory-store.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 60) * 2;

let dir: string;
let dialect: EventStoreDialect;
let lines: string[];
let casesRun = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "certeasy-tamper-"));
  dialect = await openDialect({ driver: "sqlite", path: join(dir, "db.sqlite") });
  await dialect.migrate();
  const path = join(dir, "audit.log");
  const { mirror } = await openAuditFile({ path, serverId: NODE_A, store: dialect, clock });
  for (const size of [3, 1, 5, 2]) {
    await mirror.appendLifecycle("boot", { pid: size });
    const outcomes = await dialect.appendBatch(
      [{ streamId: nodeStreamId(NODE_A), expectedVersion: "any", events: Array.from({ length: size }, () => startedEvent()) }],
      { serverId: NODE_A, leaseEpoch: null, now: () => new Date(), project: () => [] },
    );
    await mirror.appendEvents(outcomes.flatMap((o) => (o.ok ? [...o.events] : [])));
    await mirror.appendLifecycle("shutdown", { reason: "signal" });
  }
  // The file ends on a shutdown line: cutting it carries off no event, so only the head the
  // node recorded in the database at its clean stop reveals it.
  await mirror.close();
  await dialect.registerServer(NODE_A, "ca-1.corp.example", clock(), "active");
  await dialect.touchServer(NODE_A, clock(), mirror.head);
  lines = await fileLines(path);
});
afterAll(async () => {
  console.log(`audit-tamper: ${casesRun} tampered files, each refused at the first bad line`);
  await dialect?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A tampering and the 1-based number of the first line that no longer holds. */
interface Tampering {
  readonly what: string;
  readonly apply: (lines: readonly string[]) => string[];
  readonly firstBadLine: number;
}

const tampering = (n: number): fc.Arbitrary<Tampering> =>
  fc.oneof(
    fc.record({ i: fc.nat(n - 1), at: fc.nat(400), char: fc.constantFrom("0", "1", "a", "f", " ", "}", '"', "x") }).map(({ i, at, char }) => ({
      what: `line ${i + 1}: character ${at} set to ${JSON.stringify(char)}`,
      apply: (ls: readonly string[]) => ls.map((l, k) => (k === i ? l.slice(0, at % l.length) + char + l.slice((at % l.length) + 1) : l)),
      firstBadLine: i + 1,
    })),
    fc.nat(n - 1).map((i) => ({ what: `line ${i + 1} deleted`, apply: (ls: readonly string[]) => ls.filter((_, k) => k !== i), firstBadLine: i + 1 })),
    fc.record({ i: fc.nat(n - 2), gap: fc.integer({ min: 1, max: n - 1 }) }).map(({ i, gap }) => {
      const j = Math.min(n - 1, i + gap);
      return {
        what: `lines ${i + 1} and ${j + 1} swapped`,
        apply: (ls: readonly string[]) => ls.map((l, k) => (k === i ? String(ls[j]) : k === j ? String(ls[i]) : l)),
        firstBadLine: i + 1,
      };
    }),
    fc.nat(n - 1).map((i) => ({ what: `line ${i + 1} duplicated`, apply: (ls: readonly string[]) => ls.flatMap((l, k) => (k === i ? [l, l] : [l])), firstBadLine: i + 2 })),
    fc.nat(n - 1).map((k) => ({ what: `cut after line ${k}`, apply: (ls: readonly string[]) => ls.slice(0, k), firstBadLine: k + 1 })),
  );

describe("a tampered audit file", () => {
  it("is refused at its first bad line, whatever was done to it", async () => {
    await fc.assert(
      fc.asyncProperty(tampering(lines.length), async (t) => {
        const tampered = t.apply(lines);
        fc.pre(tampered.join("\n") !== lines.join("\n")); // a character set to itself changes nothing
        const path = join(dir, `tampered-${casesRun++}.log`);
        await writeFile(path, tampered.map((l) => `${l}\n`).join(""));
        const verdict = await verifyAudit({ path, store: dialect, serverId: NODE_A });
        expect(verdict, t.what).toMatchObject({ ok: false });
        if (!verdict.ok) expect(verdict.line, `${t.what}: ${verdict.reason}`).toBe(t.firstBadLine);
        await rm(path);
      }),
      { numRuns: RUNS },
    );
  });

  it("including the cut that drops only the trailing shutdown line, caught by the recorded head", async () => {
    expect(JSON.parse(String(lines.at(-1)))).toMatchObject({ kind: "shutdown" });
    const path = join(dir, "cut-shutdown.log");
    await writeFile(path, lines.slice(0, -1).map((l) => `${l}\n`).join(""));
    expect(await verifyAudit({ path, store: dialect, serverId: NODE_A })).toMatchObject({ ok: false, kind: "truncated", line: lines.length });
  });

  it("and the untouched file passes", async () => {
    const path = join(dir, "untouched.log");
    await writeFile(path, lines.map((l) => `${l}\n`).join(""));
    expect(await verifyAudit({ path, store: dialect, serverId: NODE_A })).toMatchObject({ ok: true, lines: lines.length });
  });
});
