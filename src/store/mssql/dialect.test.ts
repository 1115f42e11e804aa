/**
 * The dialect's connection handling, without a SQL Server: an unreachable server is reported
 * as the driver's connection error (which the writer maps to "unavailable"), and a server that
 * accepts TCP but never answers makes `ping` give up on time. Only loopback is contacted.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { NodeStarted } from "../../../events/index.js";
import { PingTimeoutError } from "../dialect-errors.js";
import type { EventStoreDialect } from "../dialect.js";
import { createMssqlDialect } from "./dialect.js";

const boot = { bootId: randomUUID(), hostname: "acme-1", pid: 1, version: "0.1.0", firstBoot: true };
let dialect: EventStoreDialect | undefined;
let silent: { server: Server; sockets: Socket[] } | undefined;

afterEach(async () => {
  await dialect?.close();
  dialect = undefined;
  for (const socket of silent?.sockets ?? []) socket.destroy();
  await new Promise<void>((resolve) => (silent ? silent.server.close(() => resolve()) : resolve()));
  silent = undefined;
});

describe("SQL Server dialect without a server", () => {
  it("is driver sqlserver and connects only when first used", () => {
    dialect = createMssqlDialect({ dsn: "mssql://sa:x@127.0.0.1:1/certeasy", maxConn: 2, pingTimeoutMs: 1000 });
    expect(dialect.driver).toBe("sqlserver");
  });

  it("rejects ping and appends with the driver's connection error when nothing listens", async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    dialect = createMssqlDialect({
      dsn: "mssql://sa:x@127.0.0.1:1/certeasy?connectTimeoutMs=3000",
      maxConn: 2,
      pingTimeoutMs: 5000,
    });
    await expect(dialect.ping()).rejects.toMatchObject({ name: "ConnectionError", code: "ESOCKET" });
    const ctx = { serverId: randomUUID(), leaseEpoch: null, now: () => new Date(), project: () => [] };
    const command = { streamId: `node:${ctx.serverId}`, expectedVersion: 0, events: [NodeStarted.create(boot)] };
    await expect(dialect.appendBatch([command], ctx)).rejects.toMatchObject({ code: "ESOCKET" });
    await expect(dialect.head()).rejects.toMatchObject({ code: "ESOCKET" });
    // An empty batch commits nothing and needs no connection.
    await expect(dialect.appendBatch([], ctx)).resolves.toEqual([]);
  });

  it("gives up a ping after pingTimeoutMs when the server never answers", async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    silent = { server, sockets };
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    dialect = createMssqlDialect({
      dsn: `mssql://sa:x@127.0.0.1:${address.port}/certeasy?connectTimeoutMs=1500`,
      maxConn: 1,
      pingTimeoutMs: 300,
    });
    const started = Date.now();
    const failure = await dialect.ping().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PingTimeoutError);
    expect(Date.now() - started).toBeLessThan(1200);
  });

  it("refuses to work once closed", async () => {
    dialect = createMssqlDialect({ dsn: "mssql://sa:x@127.0.0.1:1/certeasy", maxConn: 1, pingTimeoutMs: 1000 });
    await dialect.close();
    await expect(dialect.readAll(0, 1)).rejects.toThrow("closed");
  });
});
