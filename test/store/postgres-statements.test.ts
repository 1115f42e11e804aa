/**
 * The PostgreSQL write path sends statements whose text does not depend on the batch: each
 * pooled connection prepares them once, then only binds and executes them. A statement of a
 * new shape per batch size (a multi-row VALUES list, an IN list) would cost a Parse/Describe
 * round trip per new size and connection, and fill the server's prepared-statement cache.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appendBatch } from "../../src/store/postgres/append.js";
import { openPostgres, type PostgresConnection } from "../../src/store/postgres/connection.js";
import { PostgresMigrator } from "../../src/store/postgres/migrate.js";
import { readProjection, readStream } from "../../src/store/postgres/read.js";
import { appendContext, nodeStream, started, stopped } from "../dialects/suite/fixtures.js";
import { postgresForTests } from "../support/postgres.js";

describe("PostgreSQL append statements", () => {
  const pg = postgresForTests("stmts");
  let connection: PostgresConnection | undefined;

  beforeAll(async () => {
    await pg.setup();
    const options = pg.storeOptions();
    if (options?.driver !== "postgres") return;
    // One connection, so that its prepared statements are all of the pool's.
    connection = openPostgres({ ...options, maxConn: 1, connMaxIdleTimeMs: null });
    await new PostgresMigrator(connection).migrate();
  });
  afterAll(async () => {
    await connection?.client.end({ timeout: 5 });
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

  it("prepares each write once and reuses it for batches of every size", async (test) => {
    if (!connection) return test.skip();
    const ctx = appendContext(randomUUID());
    await appendBatch(connection, batch(2), ctx);
    const afterFirst = await prepared(connection.client);
    for (const size of [1, 3, 7, 16, 33, 128]) {
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
});
