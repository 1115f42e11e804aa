/**
 * Issue 8, tamper evidence on the database side: someone with write access to the event table
 * drops its append-only guards and edits a body, edits a body and recomputes its hash, deletes
 * a row, swaps the positions of two rows, or edits an indexed column → `events verify` (the
 * walk it runs, verifyDatabaseLog) fails and names the first position that no longer holds,
 * every time. The log is a real SQLite log written by the dialect; the tampering is generated
 * and applied with raw SQL to a copy of the file.
 */
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventHash, nodeStreamId } from "../../events/index.js";
import { openDialect } from "../../src/store/open.js";
import { ChainVerifier, type ChainFault } from "../../src/store/verify-chain.js";
import { verifyDatabaseLog } from "../../src/store/verify-log.js";
import { NODE_A } from "../audit/helpers.js";
import { startedEvent } from "../audit/memory-store.js";
import { appendOnlyTriggers } from "../support/event-log-tamper.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 60) * 2;
const EVENTS = 12;

let dir: string;
let pristine: string;
let triggers: string[];
let casesRun = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "certeasy-rows-tamper-"));
  pristine = join(dir, "pristine.sqlite");
  const dialect = await openDialect({ driver: "sqlite", path: pristine });
  await dialect.migrate();
  for (const size of [3, 1, 5, 3]) {
    await dialect.appendBatch(
      [{ streamId: nodeStreamId(NODE_A), expectedVersion: "any", events: Array.from({ length: size }, () => startedEvent()) }],
      { serverId: NODE_A, leaseEpoch: null, now: () => new Date(), project: () => [] },
    );
  }
  await dialect.close();
  triggers = await appendOnlyTriggers();
  // The WAL is checkpointed into the main file at close, so a plain copy holds the whole log.
  const db = new Database(pristine, { fileMustExist: true });
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
});
afterAll(async () => {
  console.log(`event-rows-tamper: ${casesRun} tampered event tables, each refused at the first bad position`);
  await rm(dir, { recursive: true, force: true });
});

/** A tampering of the event table and the position `events verify` must name. */
interface RowTampering {
  readonly what: string;
  readonly sql: (db: Database.Database) => void;
  readonly firstBadPosition: number;
}

const bodyOf = (db: Database.Database, position: number): string =>
  (db.prepare("SELECT body FROM es_events WHERE position = ?").get(position) as { body: string }).body;

/**
 * Change one hex digit of the event's `bootId`: the body stays a well-formed event (the subtle
 * edit a forger would make), it just says something it did not say when it was hashed.
 */
function editData(body: string, at: number): string {
  const start = body.indexOf('"bootId":"') + '"bootId":"'.length;
  let i = start + (at % 36);
  if (body[i] === "-") i += 1;
  const ch = body[i] === "a" ? "b" : "a";
  return body.slice(0, i) + ch + body.slice(i + 1);
}

const tampering: fc.Arbitrary<RowTampering> = fc.oneof(
  fc.record({ p: fc.integer({ min: 1, max: EVENTS }), at: fc.nat(500) }).map(({ p, at }) => ({
    what: `body of position ${p} edited at ${at}`,
    sql: (db: Database.Database) => void db.prepare("UPDATE es_events SET body = ? WHERE position = ?").run(editData(bodyOf(db, p), at), p),
    firstBadPosition: p,
  })),
  // A careful forger recomputes the hash too: the next event's `prev` link (or, for the last
  // one, the head row) still holds the old hash.
  fc.record({ p: fc.integer({ min: 1, max: EVENTS }), at: fc.nat(500) }).map(({ p, at }) => ({
    what: `body of position ${p} edited at ${at} and its hash recomputed`,
    sql: (db: Database.Database) => {
      const edited = editData(bodyOf(db, p), at);
      db.prepare("UPDATE es_events SET body = ?, hash = ? WHERE position = ?").run(edited, eventHash(edited), p);
    },
    firstBadPosition: p === EVENTS ? EVENTS : p + 1,
  })),
  fc.integer({ min: 1, max: EVENTS }).map((p) => ({
    what: `row at position ${p} deleted`,
    sql: (db: Database.Database) => void db.prepare("DELETE FROM es_events WHERE position = ?").run(p),
    // Deleting the last row leaves a chain that holds; the head row, which still says EVENTS, does not.
    firstBadPosition: p,
  })),
  fc.record({ i: fc.integer({ min: 1, max: EVENTS - 1 }), gap: fc.integer({ min: 1, max: EVENTS - 1 }) }).map(({ i, gap }) => {
    const j = Math.min(EVENTS, i + gap);
    return {
      what: `positions ${i} and ${j} swapped`,
      sql: (db: Database.Database) => {
        const move = db.prepare("UPDATE es_events SET position = ? WHERE position = ?");
        move.run(-1, i);
        move.run(i, j);
        move.run(j, -1);
      },
      firstBadPosition: i,
    };
  }),
  fc.record({ p: fc.integer({ min: 1, max: EVENTS }), column: fc.constantFrom("event_type", "stream_id", "server_id") }).map(({ p, column }) => ({
    what: `column ${column} of position ${p} edited`,
    sql: (db: Database.Database) => void db.prepare(`UPDATE es_events SET ${column} = ${column} || 'x' WHERE position = ?`).run(p),
    firstBadPosition: p,
  })),
);

async function verifyCopy(tamper: (db: Database.Database) => void): Promise<ChainFault | null> {
  const path = join(dir, `tampered-${casesRun++}.sqlite`);
  await copyFile(pristine, path);
  const raw = new Database(path, { fileMustExist: true });
  try {
    for (const trigger of triggers) raw.exec(`DROP TRIGGER IF EXISTS "${trigger}"`);
    tamper(raw);
  } finally {
    raw.close();
  }
  const dialect = await openDialect({ driver: "sqlite", path });
  try {
    return await verifyDatabaseLog(dialect, new ChainVerifier());
  } finally {
    await dialect.close();
    await rm(path, { force: true });
    await rm(`${path}-wal`, { force: true });
    await rm(`${path}-shm`, { force: true });
  }
}

describe("a tampered event table", () => {
  it("is refused at its first bad position, whatever was done to it", async () => {
    expect(triggers.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(tampering, async (t) => {
        const fault = await verifyCopy(t.sql);
        expect(fault, t.what).not.toBeNull();
        expect(fault?.position, `${t.what}: ${fault?.reason}`).toBe(t.firstBadPosition);
        expect(fault?.reason, t.what).toContain(`position ${t.firstBadPosition}`);
      }),
      { numRuns: RUNS },
    );
  }, 300_000);

  it("and the untouched table passes", async () => {
    expect(await verifyCopy(() => undefined)).toBeNull();
  });
});
