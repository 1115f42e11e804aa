/**
 * The embedded CA's revocation journal (revoked.journal beside revoked.json): what a crash, a
 * restart, an old file or a storm of revocations leaves on the served CRL.
 */
import { appendFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import { ensureLocalRootCa } from "../../src/ca/local/bootstrap.js";
import { ensurePrivateDirectory } from "../../src/ca/local/bootstrap-keys.js";
import { CRL_BUILD_FLOOR_MS, CRL_BUILD_SHARE, crlBuildInterval } from "../../src/ca/local/crl-pacing.js";
import { DEFAULT_CRL_SHARDS } from "../../src/ca/local/crl-partition.js";
import { type CrlPublisher, type CrlPublisherOptions, openCrlPublisher } from "../../src/ca/local/crl-publisher.js";
import { ensureIssuingCa } from "../../src/ca/local/issuing-ca.js";
import { shardCrlUrl } from "../../src/ca/local/crl-urls.js";
import { revocationPaths } from "../../src/ca/local/revocation-store.js";
import { ecdsaP256Signer } from "../../src/ca/x509/signer.js";
import { type CaFixture, CRL_URL, DAY_MS, withCa } from "./helpers.js";

const KEY_COMPROMISE = 1;
/** CRL numbers a start uses: one per shard (16 by default), then the legacy CRL's. */
const BOOT_NUMBERS = BigInt(DEFAULT_CRL_SHARDS + 1);
const SUPERSEDED = 4;

const crlOf = (der: Uint8Array): x509.X509Crl => new x509.X509Crl(new Uint8Array(der));
const serialsOn = (der: Uint8Array): string[] => crlOf(der).entries.map((e) => e.serialNumber);
const crlNumberOf = (der: Uint8Array): bigint => {
  const extension = crlOf(der).extensions.find((e) => e.type === "2.5.29.20");
  if (!extension) throw new Error("the CRL has no CRL number");
  return BigInt(`0x${Buffer.from(extension.value).subarray(2).toString("hex")}`);
};

/** The publisher alone, over the fixture's CA directory, as the local authority opens it. */
async function publisherIn(fixture: CaFixture, overrides: Partial<CrlPublisherOptions> = {}): Promise<CrlPublisher> {
  await ensurePrivateDirectory(fixture.dir);
  const root = await ensureLocalRootCa(fixture.dir, { now: fixture.clock.now });
  const issuing = await ensureIssuingCa(fixture.dir, root, "lab", fixture.clock.now());
  const signer = ecdsaP256Signer(issuing.privateKey, issuing.publicKey);
  return openCrlPublisher({
    paths: revocationPaths(fixture.dir),
    issuing,
    signer,
    now: fixture.clock.now,
    crlUrlsOf: (scope) => [scope === "legacy" ? CRL_URL : shardCrlUrl(CRL_URL, scope)],
    ...overrides,
  });
}

const revocation = (serialHex: string, at: Date, notAfter?: Date) => ({
  serialHex,
  reasonCode: KEY_COMPROMISE,
  revokedAt: at,
  ...(notAfter ? { notAfter } : {}),
});

const journalOf = (fixture: CaFixture): Promise<string> => readFile(join(fixture.dir, "revoked.journal"), "utf8");
const snapshotOf = async (fixture: CaFixture): Promise<{ format: string; lastCrlNumber: string; revoked: { serial: string; notAfter?: string }[] }> =>
  JSON.parse(await readFile(join(fixture.dir, "revoked.json"), "utf8")) as { format: string; lastCrlNumber: string; revoked: { serial: string }[] };

describe("the embedded CA's revocation journal", () => {
  it("appends each revocation to the journal, not the snapshot, and a restart replays it", async () => {
    await withCa(async (fixture) => {
      const first = await publisherIn(fixture);
      await first.revoke(revocation("0a", fixture.clock.now()));
      await first.revoke(revocation("0b", fixture.clock.now()));
      // Durable before revoke() resolved: in the journal; the snapshot is as the start left it.
      expect((await journalOf(fixture)).match(/"serial":"0[ab]"/g)).toEqual(['"serial":"0a"', '"serial":"0b"']);
      expect((await snapshotOf(fixture)).revoked).toEqual([]);

      // A crash now: nothing else is written. The next start replays the journal.
      const second = await publisherIn(fixture);
      expect(serialsOn(second.crlDer("legacy"))).toEqual(["0a", "0b"]);
      expect((await snapshotOf(fixture)).revoked.map((r) => r.serial)).toEqual(["0a", "0b"]);
      expect(await journalOf(fixture)).toBe("");
    });
  });

  it("drops a torn last line (an append a crash cut short) and keeps every line before it", async () => {
    await withCa(async (fixture) => {
      const first = await publisherIn(fixture);
      await first.revoke(revocation("0a", fixture.clock.now()));
      await appendFile(join(fixture.dir, "revoked.journal"), '{"serial":"0b","reason":1,"revokedAt":"2026-11-');

      const second = await publisherIn(fixture);
      expect(serialsOn(second.crlDer("legacy"))).toEqual(["0a"]);
      // Compacted at start: the torn bytes are gone, so a later append cannot follow them.
      expect(await journalOf(fixture)).toBe("");
      await second.revoke(revocation("0b", fixture.clock.now()));
      expect(serialsOn((await publisherIn(fixture)).crlDer("legacy"))).toEqual(["0a", "0b"]);
    });
  });

  it("refuses to start on a corrupt line that is not the torn last one, naming the file and line", async () => {
    await withCa(async (fixture) => {
      await publisherIn(fixture);
      const at = fixture.clock.now().toISOString();
      const good = `{"serial":"0a","reason":1,"revokedAt":"${at}"}\n`;
      const path = join(fixture.dir, "revoked.journal");
      await writeFile(path, `${good}{"serial":"0b","reason":1,"revokedAt":"not a date"}\n${good.replace("0a", "0c")}`);
      await expect(publisherIn(fixture)).rejects.toThrow(/revoked\.journal line 2 is not a valid revocation journal record .*restore the file from backup/);
      // A complete last line (its newline written) was acknowledged: damage there is refused too.
      await writeFile(path, `${good}{"serial":"0b","reason":1,\n`);
      await expect(publisherIn(fixture)).rejects.toThrow(/revoked\.journal line 2 is not a valid/);
      // Nothing was rewritten by the refusals.
      expect(await journalOf(fixture)).toBe(`${good}{"serial":"0b","reason":1,\n`);
    });
  });

  it("folds the journal into the snapshot once it is as long as the bound, keeping every revocation", async () => {
    await withCa(async (fixture) => {
      const publisher = await publisherIn(fixture, { compactAfterRecords: 6 });
      const serials = Array.from({ length: 12 }, (_, i) => (i + 16).toString(16));
      for (const serial of serials) await publisher.revoke(revocation(serial, fixture.clock.now()));
      // Each revocation alone: one revocation and one CRL number line per append.
      const lines = (await journalOf(fixture)).split("\n").filter(Boolean);
      expect(lines.length).toBeLessThan(8);
      const snapshot = await snapshotOf(fixture);
      expect(snapshot.revoked.length).toBeGreaterThanOrEqual(6);
      expect(snapshot.format).toBe("certeasy-local-ca-revocations/3");
      expect(serialsOn(publisher.crlDer("legacy"))).toEqual(serials);
      expect(serialsOn((await publisherIn(fixture)).crlDer("legacy"))).toEqual(serials);
    });
  });

  it("keeps CRL numbers increasing across restarts from the numbers in the journal", async () => {
    await withCa(async (fixture) => {
      const first = await publisherIn(fixture);
      for (const serial of ["01", "02", "03"]) await first.revoke(revocation(serial, fixture.clock.now()));
      // Every start numbers each shard's CRL then the legacy CRL's from one counter: 1…16, 17.
      const last = crlNumberOf(first.crlDer("legacy"));
      expect(last).toBe(BOOT_NUMBERS + 3n);
      // The snapshot still says 17: only the journal knows 18, 19 and 20 were published.
      expect((await snapshotOf(fixture)).lastCrlNumber).toBe(String(BOOT_NUMBERS));
      fixture.clock.advance(-3_600_000);
      const second = await publisherIn(fixture);
      expect(crlNumberOf(second.crlDer("legacy"))).toBe(last + BOOT_NUMBERS);
      expect(crlNumberOf(second.crlDer(0))).toBe(last + 1n);
      expect(crlNumberOf((await publisherIn(fixture)).crlDer("legacy"))).toBe(last + 2n * BOOT_NUMBERS);
    });
  });

  it("opens a revoked.json written by an earlier version (format 1) and goes on from its CRL number", async () => {
    await withCa(async (fixture) => {
      await ensurePrivateDirectory(fixture.dir);
      const revokedAt = new Date(fixture.clock.ms - 60_000).toISOString();
      await writeFile(
        join(fixture.dir, "revoked.json"),
        `${JSON.stringify({ format: "certeasy-local-ca-revocations/1", lastCrlNumber: "41", revoked: [{ serial: "0a", reason: SUPERSEDED, revokedAt }] })}\n`,
        { mode: 0o600 },
      );
      const publisher = await publisherIn(fixture);
      const crl = crlOf(publisher.crlDer("legacy"));
      expect(crl.entries.map((e) => [e.serialNumber, e.reason, e.revocationDate.toISOString()])).toEqual([["0a", SUPERSEDED, revokedAt]]);
      expect(crlNumberOf(publisher.crlDer("legacy"))).toBe(41n + BOOT_NUMBERS);
      expect(await snapshotOf(fixture)).toMatchObject({ format: "certeasy-local-ca-revocations/3", lastCrlNumber: String(41n + BOOT_NUMBERS), crlShards: 16 });
    });
  });

  it("coalesces a storm of concurrent revocations into a few CRLs, each revocation listed once it resolves", async () => {
    await withCa(async (fixture) => {
      const publisher = await publisherIn(fixture);
      const before = publisher.builds();
      const serials = Array.from({ length: 300 }, (_, i) => (0x1000 + i).toString(16));
      // The CRL served when each revoke() resolved (parsed afterwards: parsing is slow).
      const servedWhenResolved = new Map<string, Uint8Array>();
      await Promise.all(
        serials.map(async (serial) => {
          await publisher.revoke(revocation(serial, fixture.clock.now()));
          servedWhenResolved.set(serial, publisher.crlDer("legacy"));
        }),
      );
      const parsed = new Map<Uint8Array, Set<string>>();
      for (const der of servedWhenResolved.values()) if (!parsed.has(der)) parsed.set(der, new Set(serialsOn(der)));
      expect(serials.filter((serial) => !parsed.get(servedWhenResolved.get(serial) ?? new Uint8Array())?.has(serial))).toEqual([]);
      // All 300 arrived in one tick: one append and one CRL for all of them.
      expect(publisher.builds() - before).toBe(1);
      // Revoking a listed serial again is answered at once, without a CRL.
      await publisher.revoke(revocation(serials[0] ?? "", fixture.clock.now()));
      expect(publisher.builds() - before).toBe(1);

      // Revocations arriving while a CRL is being written wait for the next one, together.
      const waves = Array.from({ length: 5 }, (_, wave) =>
        Array.from({ length: 40 }, (_, i) => (0x2000 + wave * 100 + i).toString(16)),
      );
      const done: Promise<void>[] = [];
      for (const wave of waves) {
        done.push(...wave.map((serial) => publisher.revoke(revocation(serial, fixture.clock.now()))));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await Promise.all(done);
      expect(publisher.builds() - before).toBeLessThan(1 + waves.length);
      expect(new Set(serialsOn(publisher.crlDer("legacy")))).toEqual(new Set([...serials, ...waves.flat()]));
    });
  });

  it("fails a revocation that cannot be encoded alone, not the batch it arrived with", async () => {
    await withCa(async (fixture) => {
      const publisher = await publisherIn(fixture);
      const good = publisher.revoke(revocation("0a", fixture.clock.now()));
      const bad = publisher.revoke(revocation("0b", new Date("+010000-01-01T00:00:00Z")));
      await expect(bad).rejects.toThrow(/cannot encode the year 10000/);
      await good;
      expect(serialsOn(publisher.crlDer("legacy"))).toEqual(["0a"]);
    });
  });

  it("paces CRL builds: at most a quarter of the time, with a floor", () => {
    expect(CRL_BUILD_SHARE).toBe(4);
    expect(crlBuildInterval(0)).toBe(CRL_BUILD_FLOOR_MS);
    expect(crlBuildInterval(50)).toBe(200);
  });

  it("lists an expired certificate's entry on one CRL issued after its notAfter, then drops it (RFC 5280 §3.3)", async () => {
    await withCa(async (fixture) => {
      const publisher = await publisherIn(fixture);
      const soon = new Date(fixture.clock.ms + DAY_MS);
      const later = new Date(fixture.clock.ms + 90 * DAY_MS);
      await publisher.revoke(revocation("0a", fixture.clock.now(), soon));
      await publisher.revoke(revocation("0b", fixture.clock.now(), later));
      await publisher.revoke(revocation("0c", fixture.clock.now()));
      expect(serialsOn(publisher.crlDer("legacy"))).toEqual(["0a", "0b", "0c"]);

      // 0a expires; the next CRL (issued after its notAfter) still lists it...
      fixture.clock.advance(DAY_MS + 1000);
      await publisher.revoke(revocation("0d", fixture.clock.now(), later));
      expect(serialsOn(publisher.crlDer("legacy"))).toEqual(["0a", "0b", "0c", "0d"]);
      // ...and the one after it no longer does; 0c (notAfter unknown) stays.
      await publisher.revoke(revocation("0e", fixture.clock.now(), later));
      expect(serialsOn(publisher.crlDer("legacy"))).toEqual(["0b", "0c", "0d", "0e"]);

      // A restart replays 0a from the journal and lists it on the start's CRL once more; the
      // snapshot written at that start no longer holds it, so the next start does not list it.
      const reopened = await publisherIn(fixture);
      expect(serialsOn(reopened.crlDer("legacy"))).toEqual(["0a", "0b", "0c", "0d", "0e"]);
      const snapshot = await snapshotOf(fixture);
      expect(snapshot.revoked.map((r) => r.serial)).toEqual(["0b", "0c", "0d", "0e"]);
      expect(snapshot.revoked[0]?.notAfter).toBe(later.toISOString());
      expect(snapshot.revoked[1]?.notAfter).toBeUndefined();
      expect(serialsOn((await publisherIn(fixture)).crlDer("legacy"))).toEqual(["0b", "0c", "0d", "0e"]);
    });
  });
});
