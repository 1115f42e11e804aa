/**
 * The embedded CA's partitioned CRLs (crl-partition.ts): each leaf names its serial's shard, each
 * shard CRL is scoped to that URL, a revocation rebuilds its shard only, and certificates issued
 * before partitioning keep being listed on the legacy CRL they name.
 */
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { describe, expect, it } from "vitest";
import type { IssuedCertificate } from "../../src/ca/authority.js";
import { toPem } from "../../src/ca/der/pem.js";
import { ensureLocalRootCa } from "../../src/ca/local/bootstrap.js";
import { ensurePrivateDirectory } from "../../src/ca/local/bootstrap-keys.js";
import { DEFAULT_CRL_SHARDS } from "../../src/ca/local/crl-partition.js";
import { ensureIssuingCa } from "../../src/ca/local/issuing-ca.js";
import type { LocalAuthority } from "../../src/ca/local/local-authority.js";
import { leafCertificateBuilder } from "../../src/ca/x509/leaf-certificate.js";
import { parseSubjectPublicKeyInfo } from "../../src/ca/x509/public-key.js";
import { ecdsaP256Signer } from "../../src/ca/x509/signer.js";
import {
  type CaFixture,
  CRL_URL,
  DAY_MS,
  crlDistributionPointOf,
  crlOfLeaf,
  crlText,
  expectIssued,
  issuanceRequest,
  openssl,
  pemBlocks,
  shardCrlUrl,
  subjectKey,
  withCa,
} from "./helpers.js";

const KEY_COMPROMISE = 1;
/** The fixture CA's legacy CRL URL after its server moved to another external base URL. */
const MOVED_CRL_URL = "https://pki.example.test/acme/crl/lab.crl";

const entriesOf = (der: Uint8Array): string[] => new x509.X509Crl(new Uint8Array(der)).entries.map((e) => e.serialNumber);
const crlNumberOf = (der: Uint8Array): bigint => {
  const extension = new x509.X509Crl(new Uint8Array(der)).extensions.find((e) => e.type === "2.5.29.20");
  if (!extension) throw new Error("the CRL has no CRL number");
  return BigInt(`0x${Buffer.from(extension.value).subarray(2).toString("hex")}`);
};

/** Every CRL the CA serves: its shards by index, then the legacy one. */
const allCrls = (ca: LocalAuthority): Uint8Array[] => [...Array.from({ length: ca.crlShards }, (_, shard) => ca.shardCrlDer(shard) ?? new Uint8Array()), ca.crlDer()];

/** The URI of a CRL's issuing distribution point, from `openssl crl -text` (which also checks the signature). */
async function issuingDistributionPointOf(fixture: CaFixture, ca: LocalAuthority, der: Uint8Array): Promise<string> {
  const text = await crlText(fixture, ca, der);
  const match = /X509v3 Issuing Distribution Point: critical\n\s+Full Name:\n\s+URI:(\S+?)\s+Only User Certificates\n/.exec(text);
  if (!match?.[1]) throw new Error(`no critical issuing distribution point with onlyContainsUserCerts:\n${text}`);
  return match[1];
}

/** Every URI of a CRL's issuing distribution point, in order, from `openssl crl -text`. */
async function issuingDistributionPointsOf(fixture: CaFixture, ca: LocalAuthority, der: Uint8Array): Promise<string[]> {
  const text = await crlText(fixture, ca, der);
  const block = /X509v3 Issuing Distribution Point: critical\n\s+Full Name:\n((?:\s+URI:\S+)+)\s+Only User Certificates\n/.exec(text)?.[1];
  if (!block) throw new Error(`no critical issuing distribution point with onlyContainsUserCerts:\n${text}`);
  return [...block.matchAll(/URI:(\S+)/g)].map((m) => m[1] ?? "");
}

/** `openssl verify -crl_check` of a leaf with one CRL: "OK", "certificate revoked" or why the CRL does not apply. */
async function verifyWith(fixture: CaFixture, ca: LocalAuthority, chainPem: string, crlDer: Uint8Array): Promise<string> {
  const root = await fixture.file("root.pem", ca.rootCertificatePem);
  const chain = await fixture.file("chain.pem", chainPem);
  const leaf = await fixture.file("leaf.pem", pemBlocks(chainPem)[0] ?? "");
  const crl = await fixture.file("crl.pem", toPem(crlDer, "X509 CRL"));
  const result = openssl(["verify", "-crl_check", "-CAfile", root, "-untrusted", chain, "-CRLfile", crl, leaf]);
  return `${result.stdout}${result.stderr}`;
}

/** Leaves until two of them fall in different shards. */
async function leavesInTwoShards(ca: LocalAuthority): Promise<[IssuedCertificate, IssuedCertificate]> {
  const first = expectIssued(await ca.submit(issuanceRequest()));
  for (;;) {
    const other = expectIssued(await ca.submit(issuanceRequest()));
    if (crlDistributionPointOf(other) !== crlDistributionPointOf(first)) return [first, other];
  }
}

/**
 * A leaf as versions before partitioning issued it: 16 random octets of serial (top bit clear)
 * and the single CRL_URL as its distribution point, signed by the same issuing CA.
 */
async function legacyLeaf(fixture: CaFixture): Promise<{ serialHex: string; chainPem: string }> {
  const root = await ensureLocalRootCa(fixture.dir, { now: fixture.clock.now });
  const issuing = await ensureIssuingCa(fixture.dir, root, "lab", fixture.clock.now());
  const builder = leafCertificateBuilder(
    { issuerName: issuing.subjectName, authorityKeyId: issuing.subjectKeyId, crlUrls: [CRL_URL] },
    ecdsaP256Signer(issuing.privateKey, issuing.publicKey),
  );
  const serial = randomBytes(16);
  serial[0] = ((serial[0] ?? 0) & 0x7f) | 0x40;
  const der = builder.certificate({
    serial,
    notBefore: new Date(fixture.clock.ms - 60_000),
    notAfter: new Date(fixture.clock.ms + 30 * DAY_MS),
    subjectPublicKey: parseSubjectPublicKeyInfo(subjectKey("P-256").spki),
    subjectAltNames: [{ type: "dns", value: "legacy.example.test" }],
    extraEkus: [],
    crlShard: 0,
  });
  return { serialHex: serial.toString("hex"), chainPem: toPem(der, "CERTIFICATE") + issuing.certificatePem };
}

describe("partitioned CRLs of the embedded CA", () => {
  it("lists a revoked leaf on exactly the CRL its distribution point names, scoped to that URL; no other CRL is rebuilt", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      const [revoked, kept] = await leavesInTwoShards(ca);
      const before = allCrls(ca);
      await ca.revoke(revoked.serialHex, KEY_COMPROMISE, fixture.clock.now(), revoked.notAfter);

      const after = allCrls(ca);
      const url = crlDistributionPointOf(revoked);
      const shard = after.findIndex((der) => entriesOf(der).includes(revoked.serialHex));
      expect(url).toBe(shardCrlUrl(shard));
      // RFC 5280 §6.3.3: the CRL's issuing distribution point matches the leaf's distribution point.
      expect(await issuingDistributionPointOf(fixture, ca, crlOfLeaf(ca, revoked))).toBe(url);
      expect(crlOfLeaf(ca, revoked)).toBe(after[shard]);
      expect(crlNumberOf(after[shard] ?? new Uint8Array())).toBeGreaterThan(crlNumberOf(before[shard] ?? new Uint8Array()));
      // Every other CRL — the other shards and the legacy one — is the very one served before.
      after.forEach((der, index) => {
        if (index !== shard) expect(der, `CRL ${index}`).toBe(before[index]);
      });
      expect(after.filter((der) => entriesOf(der).length > 0)).toHaveLength(1);

      expect(await verifyWith(fixture, ca, revoked.chainPem, crlOfLeaf(ca, revoked))).toMatch(/certificate revoked/);
      expect(await verifyWith(fixture, ca, kept.chainPem, crlOfLeaf(ca, kept))).toMatch(/leaf\.pem: OK/);
      // Another shard's CRL is not a CRL for this leaf: a relying party must not take it as one.
      expect(await verifyWith(fixture, ca, revoked.chainPem, crlOfLeaf(ca, kept))).toMatch(/different CRL scope/);
    });
  });

  it("keeps listing certificates issued before partitioning on the legacy CRL they name", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      const legacy = await legacyLeaf(fixture);
      const shardsBefore = allCrls(ca).slice(0, -1);
      expect(await verifyWith(fixture, ca, legacy.chainPem, ca.crlDer())).toMatch(/leaf\.pem: OK/);
      await ca.revoke(legacy.serialHex, KEY_COMPROMISE, fixture.clock.now());

      expect(entriesOf(ca.crlDer())).toEqual([legacy.serialHex]);
      expect(await issuingDistributionPointOf(fixture, ca, ca.crlDer())).toBe(CRL_URL);
      expect(await verifyWith(fixture, ca, legacy.chainPem, ca.crlDer())).toMatch(/certificate revoked/);
      expect(await verifyWith(fixture, ca, legacy.chainPem, ca.shardCrlDer(0) ?? new Uint8Array())).toMatch(/different CRL scope/);
      expect(allCrls(ca).slice(0, -1)).toEqual(shardsBefore);
      // And after a restart.
      const reopened = await fixture.open();
      expect(entriesOf(reopened.crlDer())).toEqual([legacy.serialHex]);
      expect(await verifyWith(fixture, reopened, legacy.chainPem, reopened.crlDer())).toMatch(/certificate revoked/);
    });
  });

  it("makes a storm of revocations over many shards durable in one append, one build per shard touched", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      const leaves = await Promise.all(Array.from({ length: 40 }, async () => expectIssued(await ca.submit(issuanceRequest()))));
      const before = allCrls(ca);
      await Promise.all(leaves.map((leaf) => ca.revoke(leaf.serialHex, KEY_COMPROMISE, fixture.clock.now())));
      const journal = (await readFile(join(fixture.dir, "revoked.journal"), "utf8")).split("\n").filter(Boolean);
      expect(journal.filter((line) => line.includes('"serial"'))).toHaveLength(40);
      expect(journal.filter((line) => line.includes('"crlNumber"'))).toHaveLength(1);
      const touched = new Set(leaves.map((leaf) => crlDistributionPointOf(leaf)));
      const after = allCrls(ca);
      expect(after.filter((der, index) => der !== before[index])).toHaveLength(touched.size);
      for (const leaf of leaves) expect(entriesOf(crlOfLeaf(ca, leaf))).toContain(leaf.serialHex);
      // One counter for all scopes: the round's CRLs carry distinct numbers.
      const numbers = after.filter((der, index) => der !== before[index]).map(crlNumberOf);
      expect(new Set(numbers).size).toBe(numbers.length);
    });
  });

  it("raises every CRL's number at a restart and keeps each revocation on its shard", async () => {
    await withCa(async (fixture) => {
      const first = await fixture.open();
      const leaf = expectIssued(await first.submit(issuanceRequest()));
      await first.revoke(leaf.serialHex, KEY_COMPROMISE, fixture.clock.now());
      const before = allCrls(first).map(crlNumberOf);
      fixture.clock.advance(-3_600_000);
      const second = await fixture.open();
      const after = allCrls(second).map(crlNumberOf);
      const highestBefore = before.reduce((a, b) => (a > b ? a : b));
      // Each CRL scope's numbers rise (RFC 5280 §5.2.3), above anything published before.
      for (const number of after) expect(number).toBeGreaterThan(highestBefore);
      expect(entriesOf(crlOfLeaf(second, leaf))).toEqual([leaf.serialHex]);
      expect(allCrls(second).filter((der) => entriesOf(der).length > 0)).toHaveLength(1);
    });
  });

  it("fixes the shard count when the CA first starts: kept without the key, a different one refused", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open({ crlShards: 4 });
      expect(ca.crlShards).toBe(4);
      expect(ca.shardCrlDer(4)).toBeNull();
      const leaf = expectIssued(await ca.submit(issuanceRequest()));
      expect(crlDistributionPointOf(leaf)).toMatch(/\/lab\/[0-3]\.crl$/);
      expect(JSON.parse(await readFile(join(fixture.dir, "revoked.json"), "utf8"))).toMatchObject({ format: "certeasy-local-ca-revocations/3", crlShards: 4 });

      expect((await fixture.open()).crlShards).toBe(4);
      await expect(fixture.open({ crlShards: 64 })).rejects.toThrow(/crl-shards is 64 but this CA's CRLs were partitioned into 4 shards .*set crl-shards: 4 or remove the key/);
      await expect(fixture.open({ crlShards: 3 })).rejects.toThrow(/crl-shards must be a power of two from 1 to 256, got 3/);
      expect((await fixture.open({ crlShards: 4 })).crlShards).toBe(4);
    });
  });

  it("partitions a CA upgraded from format 2: its revocations stay on the legacy CRL, the configured count is recorded", async () => {
    await withCa(async (fixture) => {
      await ensurePrivateDirectory(fixture.dir);
      const revokedAt = new Date(fixture.clock.ms - 60_000).toISOString();
      const legacySerial = "5ea04a12e2c519396de14e0271edadf6";
      await writeFile(
        join(fixture.dir, "revoked.json"),
        `${JSON.stringify({ format: "certeasy-local-ca-revocations/2", lastCrlNumber: "7", revoked: [{ serial: legacySerial, reason: KEY_COMPROMISE, revokedAt }] })}\n`,
        { mode: 0o600 },
      );
      const ca = await fixture.open({ crlShards: 8 });
      expect(ca.crlShards).toBe(8);
      expect(entriesOf(ca.crlDer())).toEqual([legacySerial]);
      expect(allCrls(ca).slice(0, -1).every((der) => entriesOf(der).length === 0)).toBe(true);
      expect(crlNumberOf(ca.shardCrlDer(0) ?? new Uint8Array())).toBe(8n);
      expect(crlNumberOf(ca.crlDer())).toBe(16n);
      expect(JSON.parse(await readFile(join(fixture.dir, "revoked.json"), "utf8"))).toMatchObject({ crlShards: 8, lastCrlNumber: "16" });
      expect(DEFAULT_CRL_SHARDS).toBe(16);

      // Format 3 without its shard count is damage, not an old file: refused, never guessed.
      await writeFile(join(fixture.dir, "revoked.json"), `${JSON.stringify({ format: "certeasy-local-ca-revocations/3", lastCrlNumber: "16", revoked: [] })}\n`);
      await expect(fixture.open()).rejects.toThrow(/revoked\.json is not a valid Certeasy revocation list/);
    });
  });

  it("after the server's base URL changes, scopes each CRL to the old URL and the new, so certificates naming either are checked", async () => {
    await withCa(async (fixture) => {
      const before = await fixture.open();
      const [earlyRevoked, earlyKept] = await leavesInTwoShards(before);
      expect(crlDistributionPointOf(earlyRevoked)).toMatch(/^http:\/\/acme\.test\/crl\/lab\/\d+\.crl$/);

      const ca = await fixture.open({ crlUrl: MOVED_CRL_URL });
      const late = expectIssued(await ca.submit(issuanceRequest()));
      expect(crlDistributionPointOf(late)).toMatch(/^https:\/\/pki\.example\.test\/acme\/crl\/lab\/\d+\.crl$/);
      await ca.revoke(earlyRevoked.serialHex, KEY_COMPROMISE, fixture.clock.now(), earlyRevoked.notAfter);

      // The same CRL, fetched by either URL, applies to the certificates that name that URL.
      const shardOfEarly = Number(/\/(\d+)\.crl$/.exec(crlDistributionPointOf(earlyRevoked))?.[1]);
      const crl = ca.shardCrlDer(shardOfEarly) ?? new Uint8Array();
      expect(await verifyWith(fixture, ca, earlyRevoked.chainPem, crl)).toMatch(/certificate revoked/);
      expect(await issuingDistributionPointsOf(fixture, ca, crl)).toEqual([
        `https://pki.example.test/acme/crl/lab/${shardOfEarly}.crl`,
        shardCrlUrl(shardOfEarly),
      ]);
      const lateCrl = ca.shardCrlDer(Number(/\/(\d+)\.crl$/.exec(crlDistributionPointOf(late))?.[1])) ?? new Uint8Array();
      expect(await verifyWith(fixture, ca, late.chainPem, lateCrl)).toMatch(/leaf\.pem: OK/);
      const keptCrl = ca.shardCrlDer(Number(/\/(\d+)\.crl$/.exec(crlDistributionPointOf(earlyKept))?.[1])) ?? new Uint8Array();
      expect(await verifyWith(fixture, ca, earlyKept.chainPem, keptCrl)).toMatch(/leaf\.pem: OK/);
      expect(await issuingDistributionPointsOf(fixture, ca, ca.crlDer())).toEqual([MOVED_CRL_URL, CRL_URL]);

      // Recorded once each, in the order first used; going back names the first URL again.
      const recorded = (): Promise<unknown> => readFile(join(fixture.dir, "crl-urls.json"), "utf8").then((text) => JSON.parse(text));
      expect(await recorded()).toEqual({ format: 1, crlUrls: [CRL_URL, MOVED_CRL_URL] });
      const back = await fixture.open();
      expect(crlDistributionPointOf(expectIssued(await back.submit(issuanceRequest())))).toMatch(/^http:\/\/acme\.test\/crl\/lab\/\d+\.crl$/);
      expect(await recorded()).toEqual({ format: 1, crlUrls: [CRL_URL, MOVED_CRL_URL] });
      expect(await issuingDistributionPointsOf(fixture, back, back.crlDer())).toEqual([CRL_URL, MOVED_CRL_URL]);
    });
  });

  it("refuses to start on a damaged CRL URL list, naming the file", async () => {
    await withCa(async (fixture) => {
      await fixture.open();
      await writeFile(join(fixture.dir, "crl-urls.json"), "{\"format\":1,\"crlUrls\":[\"not a url\"]}\n");
      await expect(fixture.open()).rejects.toThrow(/crl-urls\.json is not a CRL URL list of format 1: crlUrls\.0: /);
      await writeFile(join(fixture.dir, "crl-urls.json"), "{\"format\":1,");
      await expect(fixture.open()).rejects.toThrow(/crl-urls\.json is not JSON/);
    });
  });
});
