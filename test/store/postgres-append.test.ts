/**
 * The PostgreSQL append (src/store/postgres/append.ts, log-writes.ts, recordset.ts), seen from
 * the database:
 * - its statements do not depend on the batch: each pooled connection prepares them once, then
 *   only binds and executes them. A statement of a new shape per batch size (a multi-row VALUES
 *   list, an IN list) would cost a Parse/Describe per new size and connection;
 * - it reads the lease and the stream versions in a statement of its own, sent right behind the
 *   head lock. Under READ COMMITTED a single statement that waited for the lock would see them
 *   as they were before the lock holder committed. A transaction here holds the head lock while
 *   an append queues behind it, changes what the append must see, and commits;
 * - once it knows the head it left, it sends a batch in one flight (one-flight.ts), whose
 *   checks roll the whole flight back when anything it assumed changed, and then appends in
 *   four round trips.
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaseLostError } from "../../src/store/errors.js";
import { ChainVerifier } from "../../src/store/verify-chain.js";
import { appendBatch } from "../../src/store/postgres/append.js";
import { appendInOneFlight, EXPECT_LEASE_AND_VERSIONS, STALE } from "../../src/store/postgres/one-flight.js";
import { openPostgres, type PostgresConnection } from "../../src/store/postgres/connection.js";
import { acquireLease } from "../../src/store/postgres/lease.js";
import { PostgresMigrator } from "../../src/store/postgres/migrate.js";
import { readAll, readHead, readProjection, readStream } from "../../src/store/postgres/read.js";
import { projectionStatements } from "../../src/store/postgres/recordset.js";
import { WRITER_STATE } from "../../src/store/postgres/log-writes.js";
import { appendContext, nodeStream, started, stopped } from "../dialects/suite/fixtures.js";
import { postgresForTests } from "../support/postgres.js";

describe("PostgreSQL append", () => {
  const pg = postgresForTests("append");
  let connection: PostgresConnection | undefined;
  let raw: postgres.Sql | undefined;
  /** a second appender on the same database: another node, or `events recover` */
  let other: PostgresConnection | undefined;

  beforeAll(async () => {
    await pg.setup();
    const options = pg.storeOptions();
    if (options?.driver !== "postgres") return;
    other = openPostgres({ ...options, maxConn: 1, connMaxIdleTimeMs: null });
    // One connection, so that its prepared statements are all of the pool's.
    connection = openPostgres({ ...options, maxConn: 1, connMaxIdleTimeMs: null });
    await new PostgresMigrator(connection).migrate();
    raw = postgres(options.dsn, { max: 2, onnotice: () => undefined, connection: { search_path: options.schema ?? "public" } });
  });
  afterAll(async () => {
    await connection?.client.end({ timeout: 5 });
    await connection?.appender.sql.end({ timeout: 5 });
    await other?.client.end({ timeout: 5 });
    await other?.appender.sql.end({ timeout: 5 });
    await raw?.end({ timeout: 5 });
    await pg.teardown();
  });

  /** The statements this connection has prepared (pg_prepared_statements is per session). */
  const prepared = async (client: PostgresConnection["client"]): Promise<string[]> =>
    (await client<{ statement: string }[]>`select statement from pg_prepared_statements`)
      .map((r) => r.statement)
      .filter((statement) => !statement.includes("pg_prepared_statements"))
      .sort();

  /** A batch of `size` commands, each starting a node stream and, every other one, stopping it. */
  const batch = (size: number) =>
    Array.from({ length: size }, (_, i) => {
      const boot = randomUUID();
      return { streamId: nodeStream(), expectedVersion: 0, events: i % 2 === 0 ? [started(boot), stopped(boot)] : [started(boot)] };
    });

  it("prepares each write once and reuses it for batches of every size (four round trips)", async (test) => {
    if (!connection) return test.skip();
    const ctx = appendContext(randomUUID());
    connection.appender.head = null; // not known: the four-round-trip append
    await appendBatch(connection, batch(2), ctx);
    const afterFirst = await prepared(connection.client);
    for (const size of [1, 3, 7, 16, 33, 128]) {
      connection.appender.head = null;
      const outcomes = await appendBatch(connection, batch(size), ctx);
      expect(outcomes.every((o) => o.ok)).toBe(true);
    }
    expect(await prepared(connection.client)).toEqual(afterFirst);
    const starts = ["select last_position", "select l.holder_server_id", 'insert into "es_events"', 'insert into "es_streams"', "update es_log_head", 'insert into "node_boots"', 'update "node_boots"'];
    for (const start of starts) expect(afterFirst.filter((statement) => statement.startsWith(start))).toHaveLength(1);
  });

  it("prepares the keyed reads of ACME requests once, and each answers the row asked for", async (test) => {
    if (!connection) return test.skip();
    const commands = batch(3);
    await appendBatch(connection, commands, appendContext(randomUUID()));
    const before = await prepared(connection.client);
    for (const command of commands) {
      const [event] = await readStream(connection.db, command.streamId);
      expect(event?.streamId).toBe(command.streamId);
      const bootId = (command.events[0]?.data as { bootId: string }).bootId;
      const rows = await readProjection(connection.db, "node_boots", { bootId });
      expect(rows.map((row) => row["bootId"])).toEqual([bootId]);
    }
    const added = (await prepared(connection.client)).filter((statement) => !before.includes(statement));
    expect(added).toHaveLength(2);
  });

  /**
   * Hold the head lock, start `append` behind it, wait until it is blocked on that lock, run
   * `change` in the lock holder's transaction and commit; the append's settled outcome.
   */
  async function behindLock<T>(append: () => Promise<T>, change: (tx: postgres.TransactionSql) => Promise<unknown>): Promise<PromiseSettledResult<T>> {
    if (!raw) throw new Error("no PostgreSQL");
    const observer = raw;
    let pending: Promise<PromiseSettledResult<T>> | undefined;
    await raw.begin(async (tx) => {
      await tx`select 1 from es_log_head where id = 1 for update`;
      const [{ pid } = { pid: 0 }] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
      pending = Promise.allSettled([append()]).then(([r]) => r as PromiseSettledResult<T>);
      for (let waited = 0; ; waited += 20) {
        const [row] = await observer<{ n: string }[]>`select count(*) as n from pg_stat_activity where ${pid} = any(pg_blocking_pids(pid))`;
        if (Number(row?.n) > 0) break;
        if (waited > 10_000) throw new Error("the append never queued behind the head lock");
        await new Promise((r) => setTimeout(r, 20));
      }
      await change(tx);
    });
    if (!pending) throw new Error("append not started");
    return pending;
  }

  it("is fenced by a takeover committed while it waited for the lock", async (test) => {
    if (!connection) return test.skip();
    const conn = connection;
    const holder = randomUUID();
    const position = async () => Number((await conn.client<{ last_position: string }[]>`select last_position from es_log_head`)[0]?.last_position);
    const before = await position();
    const lease = await acquireLease(conn, { serverId: holder, hostname: "a", now: new Date(), ttlMs: 60_000, force: false });
    expect(lease.ok).toBe(true);
    const outcome = await behindLock(
      () => appendBatch(conn, [{ streamId: nodeStream(), expectedVersion: 0, events: [started()] }], { ...appendContext(holder), leaseEpoch: 1 }),
      (tx) => tx`update node_lease set holder_server_id = ${randomUUID()}, epoch = 2 where id = 1`,
    );
    expect(outcome.status).toBe("rejected");
    expect(outcome.status === "rejected" && outcome.reason).toBeInstanceOf(LeaseLostError);
    expect(await position()).toBe(before);
  });

  it("is told the stream version committed while it waited for the lock", async (test) => {
    if (!connection) return test.skip();
    const conn = connection;
    const streamId = nodeStream();
    const outcome = await behindLock(
      () => appendBatch(conn, [{ streamId, expectedVersion: 0, events: [started()] }], appendContext(randomUUID())),
      (tx) => tx`insert into es_streams (stream_id, stream_type, version, created_at, updated_at) values (${streamId}, 'node', 1, 0, 0)`,
    );
    expect(outcome).toEqual({
      status: "fulfilled",
      value: [{ ok: false, conflict: { kind: "stream-version-conflict", streamId, expected: 0, actual: 1 } }],
    });
  });

  it("updates and deletes projection rows by probing the key, not by scanning the table", async (test) => {
    if (!raw) return test.skip();
    // Enough rows that a scan costs, few enough that json_to_recordset's estimate of 100 rows
    // used to make the planner hash-join them against a sequential scan of the whole table.
    await raw`insert into acme_orders (order_id, account_id, status, identifiers, identifiers_hash, expires_at, authorization_ids, created_at, updated_at)
      select lpad(i::text, 36, '0'), 'a', 'pending', '[]', 'h', 0, '[]', 0, 0 from generate_series(1, 5000) as i`;
    await raw`analyze acme_orders`;
    const id = (i: number): string => String(i).padStart(36, "0");
    const plan = async (rows: number): Promise<string> => {
      const changes = Array.from({ length: rows }, (_, i) => ({ kind: "update", table: "acme_orders", key: { orderId: id(i + 1) }, set: { status: "ready", updatedAt: 1 } }) as const);
      const [statement] = projectionStatements(changes);
      if (!statement) throw new Error("no statement");
      const [row] = await raw!.unsafe<{ "QUERY PLAN": unknown }[]>(`explain (format json) ${statement.text}`, [statement.rows]);
      return JSON.stringify(row?.["QUERY PLAN"]);
    };
    for (const rows of [1, 64]) {
      const text = await plan(rows);
      expect(text, `${rows} rows`).toContain('"Index Name":"acme_orders_pkey"');
      expect(text, `${rows} rows`).not.toContain('"Node Type":"Seq Scan"');
    }
    const [removal] = projectionStatements([{ kind: "delete", table: "acme_orders", key: { orderId: id(1) } }]);
    const [removed] = await raw.unsafe<{ "QUERY PLAN": unknown }[]>(`explain (format json) ${removal?.text ?? ""}`, [removal?.rows ?? "[]"]);
    expect(JSON.stringify(removed?.["QUERY PLAN"])).not.toContain('"Node Type":"Seq Scan"');
  });

  it("reads the stream versions of a batch by probing es_streams, even in the plan it keeps for every batch", async (test) => {
    if (!raw) return test.skip();
    await raw`insert into es_streams (stream_id, stream_type, version, created_at, updated_at)
      select 'plan:' || i, 'plan', 1, 0, 0 from generate_series(1, 1000) as i`;
    await raw`analyze es_streams`;
    // A prepared statement runs a generic plan once custom plans cost no less: force it here.
    const text = await raw.begin(async (tx) => {
      await tx`set local plan_cache_mode = force_generic_plan`;
      await tx.unsafe(`prepare writer_state(text) as ${WRITER_STATE}`);
      const rows = await tx.unsafe<{ "QUERY PLAN": unknown }[]>(`explain (format json) execute writer_state('["plan:7"]')`);
      await tx`deallocate writer_state`;
      return JSON.stringify(rows[0]?.["QUERY PLAN"]);
    });
    expect(text).toContain('"Index Name":"es_streams_pkey"');
    expect(text).not.toContain('"Node Type":"Seq Scan"');
  });

  it("checks a flight's stream versions by probing es_streams, in the plan it keeps for every batch", async (test) => {
    if (!raw) return test.skip();
    await raw`insert into es_streams (stream_id, stream_type, version, created_at, updated_at)
      select 'check:' || i, 'check', 1, 0, 0 from generate_series(1, 1000) as i on conflict do nothing`;
    await raw`analyze es_streams`;
    const text = await raw.begin(async (tx) => {
      await tx`set local plan_cache_mode = force_generic_plan`;
      await tx.unsafe(`prepare lease_and_versions(text, bigint, text) as ${EXPECT_LEASE_AND_VERSIONS}`);
      const rows = await tx.unsafe<{ "QUERY PLAN": unknown }[]>(`explain (format json) execute lease_and_versions(null, null, '[["check:7", 1]]')`);
      await tx`deallocate lease_and_versions`;
      return JSON.stringify(rows[0]?.["QUERY PLAN"]);
    });
    expect(text).toContain('"Index Name":"es_streams_pkey"');
    expect(text).not.toContain('"Node Type":"Seq Scan"');
  });

  describe("in one flight", () => {
    const eventCount = async (): Promise<number> => Number((await raw!<{ n: string }[]>`select count(*) as n from es_events`)[0]?.n);

    it("sends a batch in one flight once it knows the head its last append left, its statements prepared once", async (test) => {
      if (!connection) return test.skip();
      const ctx = appendContext(randomUUID());
      connection.appender.head = null;
      await appendBatch(connection, batch(1), ctx); // four round trips: the head becomes known
      expect(connection.appender.head).toEqual(await readHead(connection.db));
      const beforeClient = await prepared(connection.client);
      await appendBatch(connection, batch(2), ctx);
      const afterFirstFlight = await prepared(connection.appender.sql);
      for (const size of [1, 3, 16, 128]) {
        const outcomes = await appendBatch(connection, batch(size), ctx);
        expect(outcomes.every((o) => o.ok)).toBe(true);
        expect(connection.appender.head).toEqual(await readHead(connection.db));
      }
      // Every batch after the first went out on the appender's connection, not through the pool.
      expect(await prepared(connection.client)).toEqual(beforeClient);
      expect(await prepared(connection.appender.sql)).toEqual(afterFirstFlight);
      for (const start of ["select certeasy_expect(last_position", "select certeasy_expect(", 'insert into "es_events"', "update es_log_head"]) {
        expect(afterFirstFlight.some((statement) => statement.startsWith(start)), start).toBe(true);
      }
    });

    it("falls back to four round trips when another appender moved the head, and the log stays one chain", async (test) => {
      if (!connection || !other) return test.skip();
      const ctx = appendContext(randomUUID());
      await appendBatch(connection, batch(1), ctx);
      await appendBatch(other, batch(2), appendContext(randomUUID()));
      const moved = await readHead(connection.db);
      expect(connection.appender.head).not.toEqual(moved);
      const [outcome] = await appendBatch(connection, [{ streamId: nodeStream(), expectedVersion: 0, events: [started()] }], ctx);
      if (!outcome?.ok) throw new Error("the append failed");
      expect(outcome.events[0]?.gp).toBe(moved.position + 1);
      expect(outcome.events[0]?.prev).toBe(moved.hash);
      const verifier = new ChainVerifier();
      for (const row of await readAll(connection.db, 0, 100_000)) expect(verifier.check(row.position, row.body, row.hash, row)).toBeNull();
    });

    it("commits nothing when a check fails: a head that moved, a stream at another version, a lease that changed hands", async (test) => {
      if (!connection || !raw) return test.skip();
      const conn = connection;
      const streamId = nodeStream();
      await appendBatch(conn, [{ streamId, expectedVersion: 0, events: [started()] }], appendContext(randomUUID()));
      const head = await readHead(conn.db);
      const count = await eventCount();
      const next = { streamId, expectedVersion: 1, events: [started()] };
      const wrongHead = { position: head.position - 1, hash: head.hash };
      expect(await appendInOneFlight(conn.appender.sql, wrongHead, [next], appendContext(randomUUID()))).toBe(STALE);
      expect(await appendInOneFlight(conn.appender.sql, head, [{ ...next, expectedVersion: 2 }], appendContext(randomUUID()))).toBe(STALE);
      const holder = randomUUID();
      await raw`insert into node_lease (id, holder_server_id, holder_hostname, epoch, acquired_at, renewed_at, expires_at) values (1, ${randomUUID()}, 'b', 7, 0, 0, 0)
        on conflict (id) do update set holder_server_id = excluded.holder_server_id, epoch = 7`;
      expect(await appendInOneFlight(conn.appender.sql, head, [next], { ...appendContext(holder), leaseEpoch: 7 })).toBe(STALE);
      expect(await readHead(conn.db)).toEqual(head);
      expect(await eventCount()).toBe(count);
      // Nothing assumed was wrong: the same flight commits.
      const appended = await appendInOneFlight(conn.appender.sql, head, [next], appendContext(randomUUID()));
      if (appended === STALE) throw new Error("a flight with the right head and versions was refused");
      expect(appended.head.position).toBe(head.position + 1);
      expect(await readHead(conn.db)).toEqual(appended.head);
    });

    it("rejects with the driver's error when a write fails, commits none of the batch, and the next flight commits", async (test) => {
      if (!connection) return test.skip();
      const conn = connection;
      await appendBatch(conn, batch(1), appendContext(randomUUID()));
      const head = await readHead(conn.db);
      const count = await eventCount();
      const bootId = randomUUID();
      // Both commands start the same boot: the second projection insert breaks node_boots' key.
      const clash = [
        { streamId: nodeStream(), expectedVersion: 0, events: [started(bootId)] },
        { streamId: nodeStream(), expectedVersion: 0, events: [started(bootId)] },
      ];
      await expect(appendInOneFlight(conn.appender.sql, head, clash, appendContext(randomUUID()))).rejects.toMatchObject({ code: "23505" });
      expect(await readHead(conn.db)).toEqual(head);
      expect(await eventCount()).toBe(count);
      const appended = await appendInOneFlight(conn.appender.sql, head, batch(2), appendContext(randomUUID()));
      expect(appended === STALE ? "stale" : appended.outcomes.every((o) => o.ok)).toBe(true);
    });
  });
});
