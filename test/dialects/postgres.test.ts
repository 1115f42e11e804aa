/**
 * The event-store suite on PostgreSQL at 127.0.0.1:5432 (user postgres, database test): a
 * schema of its own per test, dropped afterwards. Skipped, saying so, when nothing answers
 * there — except under CI, where a missing PostgreSQL fails the run instead of hiding it.
 */
import { randomUUID } from "node:crypto";
import { connect } from "node:net";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { openDialect } from "../../src/store/open.js";
import { describeEventStore, type EventStoreHarness } from "./event-store.suite.js";
import { appendContext, nodeStream, started } from "./suite/fixtures.js";

const HOST = "127.0.0.1";
const PORT = 5432;
const DSN = `postgres://postgres@${HOST}:${PORT}/test`;

function answers(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.once("connect", () => done(true));
    socket.once("timeout", () => done(false));
    socket.once("error", () => done(false));
  });
}

const reachable = await answers(HOST, PORT, 1000);
if (!reachable) {
  if (process.env["CI"]) throw new Error(`PostgreSQL not reachable at ${HOST}:${PORT}, and CI must run the PostgreSQL suite`);
  console.warn(`PostgreSQL not reachable at ${HOST}:${PORT} — skipping`);
}

const admin = reachable ? postgres(DSN, { max: 2, onnotice: () => undefined }) : undefined;
afterAll(async () => admin?.end({ timeout: 5 }));

async function freshSchema(): Promise<EventStoreHarness> {
  if (!admin) throw new Error("PostgreSQL is not reachable");
  const schema = `certeasy_test_${randomUUID().replaceAll("-", "")}`;
  await admin`CREATE SCHEMA ${admin(schema)}`;
  const dialect = await openDialect({ driver: "postgres", dsn: DSN, maxConn: 5, pingTimeoutMs: 2000, schema });
  const raw = postgres(DSN, { max: 1, onnotice: () => undefined, connection: { search_path: schema } });
  return {
    dialect,
    query: async (statement) => [...(await raw.unsafe<Record<string, unknown>[]>(statement))],
    cleanup: async () => {
      await dialect.close();
      await raw.end({ timeout: 5 });
      await admin`DROP SCHEMA ${admin(schema)} CASCADE`;
    },
  };
}

describeEventStore("postgres", freshSchema, { skip: !reachable, refusesTruncate: true });

describe("postgres unreachable", () => {
  it("rejects with the driver's connection error instead of hanging", async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const dialect = await openDialect({ driver: "postgres", dsn: `postgres://postgres@${HOST}:1/test`, maxConn: 1, pingTimeoutMs: 1000 });
    try {
      const failure = await dialect.ping().catch((e: unknown) => e);
      expect(failure).toBeInstanceOf(Error);
      expect((failure as { code?: string }).code).toBe("ECONNREFUSED");
      await expect(
        dialect.appendBatch([{ streamId: nodeStream(), expectedVersion: 0, events: [started()] }], appendContext(randomUUID())),
      ).rejects.toMatchObject({ code: "ECONNREFUSED" });
    } finally {
      await dialect.close();
    }
  });
});
