/**
 * The compact windows (docs/reliability.md, "Per-name memory of the windows") answer exactly as
 * the plain definition of each limit: an instant counts while `t > now − window`, a revoked
 * certificate stops counting, an account is managed while one of its unrevoked certificates is
 * before its notAfter. Checked at the boundaries, with many instants under one key, and against a
 * naive model over long random logs — the model keeps everything and forgets nothing, so any
 * pruning or sweeping that dropped an entry still able to count would show.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ManagedServers } from "../../projections/index.js";
import { compactKey, DuplicateCertificates } from "../../src/ratelimit/duplicate-certificates.js";
import { TimeWindows } from "../../src/ratelimit/time-windows.js";
import { HOUR, T0 } from "./support.js";

const W = 10 * HOUR;

/** A small deterministic PRNG (mulberry32): the same log on every run. */
function random(seed: number): (n: number) => number {
  let a = seed;
  return (n) => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4_294_967_296) * n);
  };
}

/** Mostly a certificate of the last 70 (about a window's worth): those whose revocation still matters. */
const victimIndex = (next: (n: number) => number, length: number): number =>
  next(4) === 0 ? next(length) : Math.max(0, length - 1 - next(Math.min(length, 70)));

describe("TimeWindows", () => {
  it("counts an instant until exactly window ms later, and names that instant as the wait", () => {
    const windows = new TimeWindows(W);
    windows.add("k", T0, T0);
    expect(windows.inWindow("k", T0 + W - 1)).toEqual([T0]);
    expect(windows.waitForRoom("k", 1, T0 + W - 1)).toBe(1);
    expect(windows.inWindow("k", T0 + W)).toEqual([]);
    expect(windows.waitForRoom("k", 1, T0 + W)).toBe(0);
    expect(windows.waitForRoom("k", 2, T0)).toBe(0);
  });

  it("keeps many instants under one key in order, trims them as the key moves on, and removes one at a time", () => {
    const windows = new TimeWindows(W);
    // 1 000 instants one minute apart, a few out of order as log order allows
    const instants = Array.from({ length: 1_000 }, (_, i) => T0 + i * 60_000 - (i % 7 === 0 ? 90_000 : 0));
    for (const t of instants) windows.add("k", t, t + 90_000);
    const sorted = [...instants].sort((a, b) => a - b);
    const now = T0 + 999 * 60_000 + 90_000; // the last log time: queries come at or after it
    const alive = sorted.filter((t) => t > now - W);
    expect(windows.inWindow("k", now)).toEqual(alive);
    expect(windows.waitForRoom("k", 5, now)).toBe((alive[alive.length - 5] as number) + W - now);
    expect(windows.waitForRoom("k", alive.length + 1, now)).toBe(0);
    windows.removeOne("k", alive[0] as number);
    expect(windows.inWindow("k", now)).toEqual(alive.slice(1));
    windows.removeOne("k", T0 - 1); // not there: nothing happens
    expect(windows.inWindow("k", now)).toEqual(alive.slice(1));
  });

  it("goes from one instant to several and back, and forgets a key whose last instant is removed", () => {
    const windows = new TimeWindows(W);
    windows.add("k", T0 + 2, T0 + 2);
    windows.add("k", T0 + 1, T0 + 2);
    expect(windows.inWindow("k", T0 + 2)).toEqual([T0 + 1, T0 + 2]);
    windows.removeOne("k", T0 + 2);
    expect(windows.inWindow("k", T0 + 2)).toEqual([T0 + 1]);
    windows.removeOne("k", T0 + 1);
    expect(windows.keys).toBe(0);
    // a key whose only instant left the window is replaced, not extended
    windows.add("j", T0, T0);
    windows.add("j", T0 + W, T0 + W);
    expect(windows.inWindow("j", T0 + W)).toEqual([T0 + W]);
  });
});

describe("DuplicateCertificates", () => {
  it("keys by the exact bytes of the account id and the identifiers hash", () => {
    const account = randomUUID();
    const hash = "ab".repeat(32);
    expect(compactKey(account, hash)).toHaveLength(48);
    expect(compactKey(account, hash)).not.toBe(compactKey(account, `${"ab".repeat(31)}ac`));
    expect(compactKey(account, hash)).not.toBe(compactKey(randomUUID(), hash));
    expect([...compactKey("01234567-89ab-cdef-0123-456789abcdef", "ff".repeat(32))].map((c) => c.charCodeAt(0))).toEqual([
      0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, ...new Array<number>(32).fill(0xff),
    ]);
    // text that is not a lowercase id and hash still gets a key of its own, as its plain text did
    expect(compactKey("x", "y")).not.toBe(compactKey("x", "z"));
    expect(compactKey(account.toUpperCase(), hash)).not.toBe(compactKey(account, hash));
    expect(compactKey(account, hash.toUpperCase())).not.toBe(compactKey(account, hash));
  });

  it("frees the slot of a revoked certificate the instant it is revoked, and at notBefore + window otherwise", () => {
    const window = new DuplicateCertificates(W);
    const account = randomUUID();
    const hash = "0f".repeat(32);
    const [first, second] = [randomUUID(), randomUUID()];
    window.issued(account, hash, first, T0, T0);
    window.issued(account, hash, second, T0 + HOUR, T0 + HOUR);
    expect(window.waitForRoom(account, hash, 2, T0 + HOUR)).toBe(W - HOUR);
    window.revoked(first);
    expect(window.waitForRoom(account, hash, 2, T0 + HOUR)).toBe(0);
    expect(window.waitForRoom(account, hash, 1, T0 + HOUR)).toBe(W);
    expect(window.waitForRoom(account, hash, 1, T0 + HOUR + W - 1)).toBe(1);
    expect(window.waitForRoom(account, hash, 1, T0 + HOUR + W)).toBe(0);
    window.revoked(first); // twice: nothing more happens
    expect(window.inWindow(account, hash, T0 + HOUR)).toEqual([T0 + HOUR]);
  });

  it("still frees the slot of a certificate revoked after a sweep, one ms before it would have left the window", () => {
    const window = new DuplicateCertificates(W);
    const account = randomUUID();
    const at = T0 + W;
    const revokedLater = randomUUID();
    window.issued(account, "a".repeat(64), revokedLater, at - W + 1, at);
    // the certificates after it would fill more than ¾ of the table's 16 slots: the table sweeps at `at`
    for (let i = 0; i < 15; i++) window.issued(account, (i % 10).toString().repeat(63) + (i < 10 ? "0" : "1"), randomUUID(), at - HOUR, at);
    window.revoked(revokedLater);
    expect(window.inWindow(account, "a".repeat(64), at)).toEqual([]);
    expect(window.waitForRoom(account, "a".repeat(64), 1, at)).toBe(0);
  });

  it("answers as the naive definition over a long random log with revocations", () => {
    const next = random(7);
    const accounts = Array.from({ length: 3 }, () => randomUUID());
    const hashes = Array.from({ length: 4 }, (_, i) => String(i).repeat(64));
    const window = new DuplicateCertificates(W);
    const log: { account: string; hash: string; id: string; t: number; revoked: boolean }[] = [];
    let at = T0;
    for (let step = 0; step < 2_000; step++) {
      at += next(20) * 60_000;
      if (next(4) === 0 && log.length > 0) {
        const victim = log[victimIndex(next, log.length)] as (typeof log)[number];
        window.revoked(victim.id);
        victim.revoked = true;
      } else {
        const entry = { account: accounts[next(3)] as string, hash: hashes[next(4)] as string, id: randomUUID(), t: at - next(60) * 60_000, revoked: false };
        window.issued(entry.account, entry.hash, entry.id, entry.t, at);
        log.push(entry);
      }
      // every key, at the log time and at a later instant
      const actual: unknown[] = [];
      const expected: unknown[] = [];
      for (const now of [at, at + next(2 * W)]) {
        const max = 1 + next(4);
        for (const account of accounts) {
          for (const hash of hashes) {
            const alive = log.filter((e) => e.account === account && e.hash === hash && !e.revoked && e.t > now - W).map((e) => e.t).sort((x, y) => x - y);
            expected.push(alive, alive.length < max ? 0 : (alive[alive.length - max] as number) + W - now);
            actual.push(window.inWindow(account, hash, now), window.waitForRoom(account, hash, max, now));
          }
        }
      }
      expect(actual, `step ${step}`).toEqual(expected);
    }
    // bounded by what can still count: far fewer than the 1 500-odd certificates issued
    expect(window.certificates).toBeLessThan(500);
  });
});

describe("ManagedServers", () => {
  it("answers as the naive definition over a long random log, and a replay of it answers the same", () => {
    const next = random(11);
    const accounts = Array.from({ length: 40 }, () => randomUUID());
    const live = new ManagedServers();
    const log: { account: string; id: string; notAfter: number; at: number; revoked: boolean }[] = [];
    const events: (() => void)[] = [];
    const replay = new ManagedServers();
    let at = T0;
    for (let step = 0; step < 3_000; step++) {
      at += next(20) * 60_000;
      if (next(4) === 0 && log.length > 0) {
        const victim = log[victimIndex(next, log.length)] as (typeof log)[number];
        live.revoked(victim.id);
        events.push(() => replay.revoked(victim.id));
        victim.revoked = true;
      } else {
        const entry = { account: accounts[next(40)] as string, id: randomUUID(), notAfter: at + next(20) * HOUR, at, revoked: false };
        live.issued(entry.account, entry.id, entry.notAfter, at);
        const issuedAt = at;
        events.push(() => replay.issued(entry.account, entry.id, entry.notAfter, issuedAt));
        log.push(entry);
      }
      const actual: unknown[] = [];
      const expected: unknown[] = [];
      for (const now of [at, at + next(2 * W)]) {
        const managed = new Set(log.filter((e) => !e.revoked && e.notAfter > now).map((e) => e.account));
        expected.push(managed.size, Math.min(2, managed.size), accounts.filter((a) => managed.has(a)));
        actual.push(live.count(now), live.count(now, 2), accounts.filter((a) => live.isManaged(a, now)));
      }
      expect(actual, `step ${step}`).toEqual(expected);
    }
    for (const event of events) event();
    for (let now = at; now < at + 25 * HOUR; now += HOUR) {
      expect(replay.count(now)).toBe(live.count(now));
      for (const account of accounts) expect(replay.isManaged(account, now)).toBe(live.isManaged(account, now));
    }
  });

  it("still frees an account whose certificate, 1 ms before its notAfter, is revoked after a sweep", () => {
    const servers = new ManagedServers();
    const account = randomUUID();
    const revokedLater = randomUUID();
    servers.issued(account, revokedLater, T0 + 1, T0);
    // enough certificates after it to make the table sweep at T0
    for (let i = 0; i < 15; i++) servers.issued(randomUUID(), randomUUID(), T0 + HOUR, T0);
    servers.revoked(revokedLater);
    expect(servers.isManaged(account, T0)).toBe(false);
    expect(servers.count(T0)).toBe(15);
  });

  it("frees an account the instant its certificate's notAfter passes", () => {
    const servers = new ManagedServers();
    const account = randomUUID();
    servers.issued(account, randomUUID(), T0 + HOUR, T0);
    expect(servers.isManaged(account, T0 + HOUR - 1)).toBe(true);
    expect(servers.isManaged(account, T0 + HOUR)).toBe(false);
    expect(servers.count(T0 + HOUR)).toBe(0);
  });
});
