/**
 * On PostgreSQL the append reads the lease and the stream versions in a statement of its own,
 * sent right behind the head lock (src/store/postgres/log-writes.ts). Under READ COMMITTED a
 * single statement that waited for the lock would see them as they were before the lock holder
 * committed. Here a transaction holds the head lock while an append queues behind it, changes
 * what the append must see, and commits: the append must see the change.
 */
import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaseLostError } from "../../src/store/errors.js";
import { appendBatch } from "../../src/store/postgres/append.js";
import { openPostgres, type PostgresConnection } from "../../src/store/postgres/connection.js";
import { acquireLease } from "../../src/store/postgres/lease.js";
import { PostgresMigrator } from "../../src/store/postgres/migrate.js";
import { appendContext, nodeStream, started } from "../dialects/suite/fixtures.js";
import { postgresForTests } from "../support/postgres.js";

describe("PostgreSQL append behind the head lock", () => {
  const pg = postgresForTests("lockwait");
  let connection: PostgresConnection | undefined;
  let raw: postgres.Sql | undefined;

  beforeAll(async () => {
    await pg.setup();
    const options = pg.storeOptions();
    if (options?.driver !== "postgres") return;
    connection = openPostgres({ ...options, maxConn: 2, connMaxIdleTimeMs: null });
    await new PostgresMigrator(connection).migrate();
    raw = postgres(options.dsn, { max: 2, onnotice: () => undefined, connection: { search_path: options.schema ?? "public" } });
  });
  afterAll(async () => {
    await connection?.client.end({ timeout: 5 });
    await raw?.end({ timeout: 5 });
    await pg.teardown();
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
    const lease = await acquireLease(conn, { serverId: holder, hostname: "a", now: new Date(), ttlMs: 60_000, force: false });
    expect(lease.ok).toBe(true);
    const outcome = await behindLock(
      () => appendBatch(conn, [{ streamId: nodeStream(), expectedVersion: 0, events: [started()] }], { ...appendContext(holder), leaseEpoch: 1 }),
      (tx) => tx`update node_lease set holder_server_id = ${randomUUID()}, epoch = 2 where id = 1`,
    );
    expect(outcome.status).toBe("rejected");
    expect(outcome.status === "rejected" && outcome.reason).toBeInstanceOf(LeaseLostError);
    const [head] = await conn.client<{ last_position: string }[]>`select last_position from es_log_head`;
    expect(Number(head?.last_position)).toBe(0);
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
});
