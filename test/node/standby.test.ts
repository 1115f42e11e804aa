/**
 * A warm standby's core (src/node/standby.ts) against a real active node core on SQLite: it
 * registers (role standby) and follows the log while writing nothing, hands its warm projections to the
 * writer at takeover, records node.lease-acquired naming the previous holder, and refuses the
 * set-ups that would make SQLite multi-host or migrate under the active node.
 */
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { logPositionProjection } from "../../projections/index.js";
import { openNode, type NodeCore } from "../../src/node/open-node.js";
import { openStandby, type StandbyNode } from "../../src/node/standby.js";
import { networkFileSystem, StandbyRefusedError } from "../../src/node/standby-topology.js";
import { SchemaNotCurrentError } from "../../src/node/schema-gate.js";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { openDialect } from "../../src/store/open.js";
import { uuidv4, uuidv7 } from "../../src/store/uuid.js";
import { NodeStarted, nodeStreamId } from "../../events/index.js";

const log = pino({ level: "silent" });
const LEASE = { ttlMs: 60_000, renewIntervalMs: 25 };
const cores: NodeCore[] = [];
const standbys: StandbyNode[] = [];
const dialects: EventStoreDialect[] = [];

afterEach(async () => {
  for (const standby of standbys.splice(0)) await (await standby.stop())?.stop("shutdown");
  await Promise.all(cores.splice(0).map((core) => core.stop("shutdown")));
  await Promise.all(dialects.splice(0).map((d) => d.close()));
});

async function database(): Promise<{ path: string; dialect: EventStoreDialect }> {
  const path = join(await mkdtemp(join(tmpdir(), "certeasy-standby-db-")), "db.sqlite");
  const dialect = await openDialect({ driver: "sqlite", path });
  dialects.push(dialect);
  return { path, dialect };
}

const options = async (path: string) => {
  const workdir = await mkdtemp(join(tmpdir(), "certeasy-standby-"));
  return { workdir, store: { driver: "sqlite" as const, path }, noddl: false, auditPath: join(workdir, "audit.log"), log, lease: LEASE };
};

describe("a warm standby", () => {
  it("follows the log without writing, and takes over warm when the active node releases the lease", async () => {
    const { path, dialect } = await database();
    const active = await openNode(await options(path));
    cores.push(active);
    const standbyOptions = { ...(await options(path)), pollMs: 20 };
    const standby = await openStandby(standbyOptions);
    standbys.push(standby);
    const roles = async () => new Map((await dialect.listServers()).map((s) => [s.serverId, s.role]));
    expect(await roles()).toEqual(new Map([[active.serverId, "active"], [standby.serverId, "standby"]]));
    expect(existsSync(standbyOptions.auditPath)).toBe(false);
    expect(standby.readiness()).toEqual([
      { name: "standby", ready: false, detail: expect.stringContaining(`the writer lease is held by server_id ${active.serverId} on host ${hostname()} (epoch 1)`) },
    ]);
    // Whatever the active node appends reaches the standby's projections while it stands by.
    const started = NodeStarted.create({ bootId: uuidv7(), hostname: "h", pid: 1, version: "test", firstBoot: false });
    await active.writer.append({ streamId: nodeStreamId(uuidv4()), expectedVersion: 0, events: [started] });
    const before = (await dialect.head()).position;
    await expect.poll(() => standby.readiness()[0]?.detail, { timeout: 10_000 }).toContain(`following the log at position ${before};`);
    await active.stop("shutdown"); // node.stopped, then the lease is released
    cores.splice(0);
    const head = (await dialect.head()).position;
    expect(head).toBeGreaterThan(before);

    const core = await standby.activated;
    cores.push(core);
    expect(core.serverId).toBe(standby.serverId);
    expect(core.lease.claim.epoch).toBe(2);
    // The projections the standby kept warm are the active node's now, and they saw it all.
    expect(core.live.caughtUp()).toBe(true);
    expect(core.live.state(logPositionProjection).position).toBe((await dialect.head()).position);
    const log = await dialect.readAll(head, 10);
    expect(log.map((e) => e.eventType)).toEqual(["node.lease-acquired", "node.started"]);
    // It first registered as a standby: its first boot is this one.
    expect(JSON.parse(log[1]?.body ?? "{}")).toMatchObject({ data: { firstBoot: true } });
    const acquired = JSON.parse(log[0]?.body ?? "{}") as { meta: { epoch: number }; data: Record<string, unknown> };
    expect(acquired.meta.epoch).toBe(2);
    expect(acquired.data).toMatchObject({ via: "standby", epoch: 2, previousHolder: active.serverId, previousHostname: hostname(), previousEpoch: 1 });
    expect(existsSync(standbyOptions.auditPath)).toBe(true);
    expect(await roles()).toEqual(new Map([[active.serverId, "stopped"], [standby.serverId, "active"]]));
  });

  it("stops while standing by without writing any event, and its row says stopped", async () => {
    const { path, dialect } = await database();
    cores.push(await openNode(await options(path)));
    const head = await dialect.head();
    const standby = await openStandby({ ...(await options(path)), pollMs: 20 });
    expect(await standby.stop()).toBeNull();
    expect(await dialect.head()).toEqual(head);
    expect((await dialect.listServers()).find((s) => s.serverId === standby.serverId)?.role).toBe("stopped");
  });

  it("refuses to migrate under the active node", async () => {
    const { path } = await database(); // never migrated
    await expect(openStandby(await options(path))).rejects.toBeInstanceOf(SchemaNotCurrentError);
  });

  it("on SQLite, refuses a lease held from another host, naming lease.standby", async () => {
    const { path, dialect } = await database();
    await dialect.migrate();
    await dialect.acquireLease({ serverId: uuidv4(), hostname: "other-host", now: new Date(), ttlMs: 60_000, force: false });
    const refused = await openStandby(await options(path)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(StandbyRefusedError);
    expect((refused as Error).message).toMatch(/^lease\.standby: the SQLite database .* is used from host other-host .* this standby runs on host /);
  });

  it("recognises network file systems by their statfs type, signed or not", () => {
    expect(networkFileSystem(0x6969)).toBe("NFS");
    expect(networkFileSystem(0xff534d42)).toBe("CIFS");
    expect(networkFileSystem(0xff534d42 | 0)).toBe("CIFS");
    expect(networkFileSystem(0xef53)).toBeNull(); // ext4
    expect(networkFileSystem(0x01021994)).toBeNull(); // tmpfs
  });
});
