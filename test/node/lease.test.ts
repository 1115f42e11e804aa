/**
 * A node's tenure of the writer lease (DESIGN §2 invariant 8) on a real node core (SQLite in a
 * temp workdir): refused boot, renewal, loss seen by a renewal between appends, a database
 * outage that is not a loss, and release at a clean stop.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { LeaseHeldError, NodeLease } from "../../src/node/lease.js";
import { openNode, type NodeCore } from "../../src/node/open-node.js";
import { nodeReadiness } from "../../src/node/readiness.js";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { LeaseLostError } from "../../src/store/errors.js";
import { openDialect } from "../../src/store/open.js";
import { uuidv4 } from "../../src/store/uuid.js";

const log = pino({ level: "silent" });
// Fast renewals so the tests wait for a renewal instead of for wall-clock seconds.
const FAST = { ttlMs: 60_000, renewIntervalMs: 25 };
const cores: NodeCore[] = [];
const dialects: EventStoreDialect[] = [];

afterEach(async () => {
  await Promise.all(cores.splice(0).map((core) => core.stop("shutdown")));
  await Promise.all(dialects.splice(0).map((d) => d.close()));
});

async function node(dbPath: string, options: { forceTakeover?: boolean; workdir?: string } = {}): Promise<NodeCore> {
  const workdir = options.workdir ?? (await mkdtemp(join(tmpdir(), "certeasy-lease-")));
  const core = await openNode({ workdir, store: { driver: "sqlite", path: dbPath }, noddl: false, auditPath: join(workdir, "audit.log"), log, lease: FAST, ...options });
  cores.push(core);
  return core;
}

async function database(): Promise<{ path: string; dialect: EventStoreDialect }> {
  const path = join(await mkdtemp(join(tmpdir(), "certeasy-lease-db-")), "db.sqlite");
  const dialect = await openDialect({ driver: "sqlite", path });
  dialects.push(dialect);
  return { path, dialect };
}

describe("a node and its writer lease", () => {
  it("refuses to boot while another node holds it, naming the holder, its host and the expiry", async () => {
    const { path, dialect } = await database();
    const first = await node(path);
    const lease = await dialect.readLease();
    const refused = await node(path).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LeaseHeldError);
    expect((refused as Error).message).toContain(`server_id ${first.serverId} on host ${hostname()} holds the writer lease (epoch 1)`);
    expect((refused as Error).message).toContain(`until ${new Date(lease?.expiresAt ?? 0).toISOString().slice(0, 16)}`);
    expect((await dialect.listServers()).map((s) => s.serverId)).toEqual([first.serverId]);
  });

  it("leaves no audit file behind when the lease refuses the boot (the lease is taken before the file is opened)", async () => {
    const { path } = await database();
    await node(path);
    const workdir = await mkdtemp(join(tmpdir(), "certeasy-lease-"));
    await expect(node(path, { workdir })).rejects.toBeInstanceOf(LeaseHeldError);
    expect(existsSync(join(workdir, "server_id"))).toBe(true);
    expect(existsSync(join(workdir, "audit.log"))).toBe(false);
  });

  it("renews while it runs and releases at a clean stop, so the next node starts at once", async () => {
    const { path, dialect } = await database();
    const first = await node(path);
    const acquired = await dialect.readLease();
    await expect.poll(async () => (await dialect.readLease())?.renewedAt, { timeout: 10_000 }).toBeGreaterThan(acquired?.renewedAt ?? 0);
    await first.stop("shutdown");
    const released = await dialect.readLease();
    expect(released?.expiresAt).toBeLessThanOrEqual(Date.now());
    const second = await node(path);
    expect(second.lease.claim.epoch).toBe(2);
  });

  it("learns of a takeover at its next renewal: appends refused, not ready, and no event of it after the takeover", async () => {
    const { path, dialect } = await database();
    const workdir = await mkdtemp(join(tmpdir(), "certeasy-lease-"));
    const first = await node(path, { workdir });
    const other = uuidv4();
    await dialect.acquireLease({ serverId: other, hostname: "elsewhere", now: new Date(), ttlMs: 60_000, force: true });

    const lost = await first.lease.lost;
    expect(lost).toBeInstanceOf(LeaseLostError);
    expect(lost.message).toContain(`held by server_id ${other} on host elsewhere at epoch 2`);
    expect(first.writer.refusal).toBe(lost);
    const writer = (await nodeReadiness(first, 2_000)()).find((c) => c.name === "writer");
    expect(writer).toMatchObject({ ready: false, detail: lost.message });
    const head = await dialect.head();
    await first.stop("fatal"); // cannot even record node.stopped
    expect(await dialect.head()).toEqual(head);
    expect(await dialect.readLease()).toMatchObject({ holderServerId: other, epoch: 2 });
    // Its own audit file says why it stopped, since the log cannot.
    const lines = (await readFile(join(workdir, "audit.log"), "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l) as { kind: string; details?: unknown });
    expect(lines.filter((l) => l.kind === "lease-lost").map((l) => l.details)).toEqual([{ epoch: 1, holder: other, holderHostname: "elsewhere", holderEpoch: 2 }]);
    expect(lines.at(-1)?.kind).toBe("shutdown");
  });

  it("keeps the lease through renewals that fail because the database is unreachable", async () => {
    const { dialect } = await database();
    await dialect.migrate();
    let down = true;
    const failures: unknown[] = [];
    const flaky: EventStoreDialect = {
      ...dialect,
      renewLease: (claim, now, ttl) =>
        down ? Promise.reject(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })) : dialect.renewLease(claim, now, ttl),
    };
    const lease = await NodeLease.acquire({ dialect: flaky, serverId: uuidv4(), hostname: "ca1", clock: () => new Date(), settings: FAST, force: false });
    const acquired = await dialect.readLease();
    lease.startRenewing((e) => failures.push(e));
    await expect.poll(() => failures.length, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect(lease.lostReason).toBeUndefined();
    down = false;
    await expect.poll(async () => (await dialect.readLease())?.renewedAt, { timeout: 10_000 }).toBeGreaterThan(acquired?.renewedAt ?? 0);
    expect(lease.lostReason).toBeUndefined();
    expect(await lease.release()).toBe(true);
  });
});
