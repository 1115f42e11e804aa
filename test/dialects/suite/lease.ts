/**
 * The writer lease (DESIGN §2 invariant 8): acquisition, refusal of a second node, forced
 * takeover, renewal and release by the holder only, and the fencing check every append makes
 * under the head-row lock.
 */
import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import type { AppendContext, EventStoreDialect, LeaseRequest } from "../../../src/store/dialect.js";
import { LeaseLostError } from "../../../src/store/errors.js";
import { toStoredEvent } from "../../../src/store/rows.js";
import type { SuiteContext } from "../event-store.suite.js";
import { appendContext, countOf, nodeStream, readWholeLog, started } from "./fixtures.js";

const T0 = Date.UTC(2026, 10, 30, 8, 0, 0);
const TTL = 10_000;

function request(serverId: string, at: number, force = false): LeaseRequest {
  return { serverId, hostname: `host-${serverId.slice(0, 4)}`, now: new Date(at), ttlMs: TTL, force };
}

function fenced(serverId: string, epoch: number): AppendContext {
  return { ...appendContext(serverId), leaseEpoch: epoch };
}

const appendOne = (dialect: EventStoreDialect, serverId: string, epoch: number) =>
  dialect.appendBatch([{ streamId: nodeStream(serverId), expectedVersion: "any", events: [started()] }], fenced(serverId, epoch));

export function leaseTests({ migrated }: SuiteContext): void {
  it("grants a free lease at epoch 1 and refuses it to a second node while it is fresh, naming the holder", async () => {
    const { dialect } = await migrated();
    const [a, b] = [randomUUID(), randomUUID()];
    expect(await dialect.readLease()).toBeNull();

    const first = await dialect.acquireLease(request(a, T0));
    const held = { holderServerId: a, holderHostname: `host-${a.slice(0, 4)}`, epoch: 1, acquiredAt: T0, renewedAt: T0, expiresAt: T0 + TTL };
    expect(first).toEqual({ ok: true, lease: held, previous: null });
    expect(await dialect.readLease()).toEqual(held);

    expect(await dialect.acquireLease(request(b, T0 + TTL - 1))).toEqual({ ok: false, holder: held });
    expect(await dialect.readLease()).toEqual(held);
  });

  it("lets the same node take it again (a restart) and another node take it once expired, the epoch growing each time", async () => {
    const { dialect } = await migrated();
    const [a, b] = [randomUUID(), randomUUID()];
    await dialect.acquireLease(request(a, T0));
    const again = await dialect.acquireLease(request(a, T0 + 1));
    expect(again).toMatchObject({ ok: true, lease: { holderServerId: a, epoch: 2 }, previous: { holderServerId: a, epoch: 1 } });

    const expired = await dialect.acquireLease(request(b, T0 + 1 + TTL));
    expect(expired).toMatchObject({ ok: true, lease: { holderServerId: b, epoch: 3, expiresAt: T0 + 1 + 2 * TTL }, previous: { holderServerId: a, epoch: 2 } });
  });

  it("force takes a fresh lease from its holder, whose renewals and release then fail and change nothing", async () => {
    const { dialect } = await migrated();
    const [a, b] = [randomUUID(), randomUUID()];
    await dialect.acquireLease(request(a, T0));
    const renewed = await dialect.renewLease({ serverId: a, epoch: 1 }, new Date(T0 + 2_000), TTL);
    expect(renewed).toMatchObject({ ok: true, lease: { epoch: 1, renewedAt: T0 + 2_000, expiresAt: T0 + 2_000 + TTL } });

    const forced = await dialect.acquireLease(request(b, T0 + 3_000, true));
    expect(forced).toMatchObject({ ok: true, lease: { holderServerId: b, epoch: 2 }, previous: { holderServerId: a, epoch: 1, expiresAt: T0 + 12_000 } });
    const taken = await dialect.readLease();

    expect(await dialect.renewLease({ serverId: a, epoch: 1 }, new Date(T0 + 4_000), TTL)).toEqual({ ok: false, current: taken });
    expect(await dialect.releaseLease({ serverId: a, epoch: 1 }, new Date(T0 + 4_000))).toBe(false);
    expect(await dialect.readLease()).toEqual(taken);

    expect(await dialect.releaseLease({ serverId: b, epoch: 2 }, new Date(T0 + 5_000))).toBe(true);
    expect(await dialect.readLease()).toMatchObject({ holderServerId: b, epoch: 2, expiresAt: T0 + 5_000 });
    // Released: free for another node at once, with a new epoch.
    expect(await dialect.acquireLease(request(a, T0 + 5_001))).toMatchObject({ ok: true, lease: { holderServerId: a, epoch: 3 } });
  });

  it("fences appends: after a takeover the old holder cannot append a single event, the new one can", async () => {
    const { dialect, query } = await migrated();
    const [a, b] = [randomUUID(), randomUUID()];
    await dialect.acquireLease(request(a, T0));
    const [ok] = await appendOne(dialect, a, 1);
    expect(ok?.ok && ok.events[0]?.meta).toEqual({ node: a, epoch: 1 });

    await dialect.acquireLease(request(b, T0 + 1, true));
    const before = await dialect.head();
    const refused = await appendOne(dialect, a, 1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LeaseLostError);
    expect((refused as LeaseLostError).current).toMatchObject({ holderServerId: b, epoch: 2 });
    expect((refused as LeaseLostError).message).toContain(`held by server_id ${b}`);
    expect(await dialect.head()).toEqual(before);
    expect(countOf(await query(`SELECT COUNT(*) AS n FROM es_events WHERE server_id = '${a}'`))).toBe(1);

    // A stale epoch of the right node is fenced too (the node restarted meanwhile).
    await expect(appendOne(dialect, b, 1)).rejects.toBeInstanceOf(LeaseLostError);
    const [accepted] = await appendOne(dialect, b, 2);
    expect(accepted?.ok && accepted.events[0]?.meta.epoch).toBe(2);
  });

  it("refuses a fenced append when no node has ever taken the lease", async () => {
    const { dialect } = await migrated();
    const refused = await appendOne(dialect, randomUUID(), 1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LeaseLostError);
    expect((refused as LeaseLostError).current).toBeNull();
    expect(await dialect.head()).toMatchObject({ position: 0 });
  });

  it("serialises a takeover with concurrent appends: every event of the old epoch comes before the first of the new", async () => {
    const { dialect } = await migrated();
    const [a, b] = [randomUUID(), randomUUID()];
    await dialect.acquireLease(request(a, T0));
    const appends = Array.from({ length: 40 }, () => appendOne(dialect, a, 1).then(() => "appended", (e: unknown) => (e instanceof LeaseLostError ? "fenced" : e)));
    const takeover = dialect.acquireLease(request(b, T0 + 1, true));
    const outcomes = await Promise.all(appends);
    await takeover;
    await appendOne(dialect, b, 2);
    expect(outcomes.every((o) => o === "appended" || o === "fenced")).toBe(true);

    const epochs = (await readWholeLog(dialect)).map((row) => toStoredEvent(row).meta.epoch);
    expect(epochs.filter((e) => e === 1)).toHaveLength(outcomes.filter((o) => o === "appended").length);
    const firstOfNew = epochs.indexOf(2);
    expect(firstOfNew).toBeGreaterThanOrEqual(0);
    expect(epochs.slice(firstOfNew).every((e) => e === 2)).toBe(true);
  });
}
