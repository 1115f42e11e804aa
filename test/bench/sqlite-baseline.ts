/**
 * The floor under the SQLite numbers: the same event rows inserted with raw better-sqlite3
 * statements, 256 per transaction, WAL + synchronous=FULL, into the real (migrated) schema —
 * no envelopes, hashing, projections, audit file or promises. The benchmark prints the write
 * path's throughput as a fraction of this, measured in the same run on the same machine.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { GENESIS_HASH, NodeStarted } from "../../events/index.js";
import { planAppend } from "../../src/store/plan-append.js";
import { openDialect } from "../../src/store/open.js";
import { uuidv7 } from "../../src/store/uuid.js";

export async function sqliteBaseline(seconds: number, perTransaction = 256): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), "certeasy-baseline-"));
  const path = join(dir, "db.sqlite");
  const dialect = await openDialect({ driver: "sqlite", path });
  await dialect.migrate();
  await dialect.close();
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  const insert = db.prepare(
    "insert into es_events (position, event_id, stream_id, stream_version, event_type, schema_version, recorded_at, server_id, body, hash) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  const serverId = uuidv7();
  let head = { position: 0, hash: GENESIS_HASH };
  let rows = 0;
  let databaseMs = 0;
  const deadline = performance.now() + seconds * 1000;
  while (performance.now() < deadline) {
    const commands = Array.from({ length: perTransaction }, () => ({
      streamId: `bench:${uuidv7()}`,
      expectedVersion: "any" as const,
      events: [NodeStarted.create({ bootId: uuidv7(), hostname: "baseline", pid: 1, version: "bench", firstBoot: false })],
    }));
    const plan = planAppend(head, new Map(), commands, { serverId, leaseEpoch: null }, new Date());
    head = plan.head;
    const t0 = performance.now();
    db.transaction(() => {
      for (const e of plan.events) insert.run(e.gp, e.eid, e.sid, e.sv, e.type, e.v, Date.parse(e.at), serverId, e.body, e.hash);
    }).immediate();
    // Only the database work counts: building the rows is the write path's job, not the floor's.
    databaseMs += performance.now() - t0;
    rows += plan.events.length;
  }
  const perSecond = rows / (databaseMs / 1000);
  db.close();
  await rm(dir, { recursive: true, force: true });
  return perSecond;
}
