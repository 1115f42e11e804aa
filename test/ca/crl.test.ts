import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { describe, expect, it, vi } from "vitest";
import { AuthorityUnavailableError } from "../../src/ca/authority.js";
import { DEFAULT_CRL_SHARDS } from "../../src/ca/local/crl-partition.js";
import { LocalAuthorityError } from "../../src/ca/local/errors.js";
import type { LocalAuthority } from "../../src/ca/local/local-authority.js";
import { DAY_MS, crlOfLeaf, crlText, expectIssued, issuanceRequest, openssl, pemBlocks, withCa } from "./helpers.js";

const KEY_COMPROMISE = 1;
const SUPERSEDED = 4;
/** CRL numbers a start uses: one per shard (16 by default), then the legacy CRL's. */
const BOOT_NUMBERS = BigInt(DEFAULT_CRL_SHARDS + 1);


const crlOf = (ca: LocalAuthority, der: Uint8Array = ca.crlDer()): x509.X509Crl => new x509.X509Crl(new Uint8Array(der));

/** The legacy CRL's number unless given another CRL. */
const crlNumber = (ca: LocalAuthority, der: Uint8Array = ca.crlDer()): bigint => {
  const crl = crlOf(ca, der);
  const extension = crl.extensions.find((e) => e.type === "2.5.29.20");
  if (!extension) throw new Error("the CRL has no CRL number");
  // extnValue is a DER INTEGER: tag, length, then the number.
  return BigInt(`0x${Buffer.from(extension.value).subarray(2).toString("hex")}`);
};

describe("local CA revocation and CRL", () => {
  it("publishes signed v2 CRLs from the start: no entries, AKI, CRL number, its scope, seven days of validity", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      expect(ca.crlShards).toBe(DEFAULT_CRL_SHARDS);
      const shard = await crlText(fixture, ca, ca.shardCrlDer(3) ?? new Uint8Array());
      expect(shard).toMatch(/X509v3 CRL Number: *\n\s+4\n/);
      // RFC 5280 §5.2.5: critical, naming the URL the shard is served at, end-entity certificates only.
      expect(shard).toMatch(/X509v3 Issuing Distribution Point: critical\n\s+Full Name:\n\s+URI:http:\/\/acme\.test\/crl\/lab\/3\.crl\s+Only User Certificates\n/);
      expect(ca.shardCrlDer(DEFAULT_CRL_SHARDS)).toBeNull();
      const text = await crlText(fixture, ca);
      expect(text).toContain("Version 2 (0x1)");
      expect(text).toContain("No Revoked Certificates.");
      // The legacy CRL is numbered after the shards, and scoped to the URL it has always had.
      expect(text).toMatch(/X509v3 CRL Number: *\n\s+17\n/);
      expect(text).toMatch(/URI:http:\/\/acme\.test\/crl\/lab\.crl\s+Only User Certificates\n/);
      const issuingKeyId = new x509.X509Certificate(ca.issuingCertificatePem).getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
      expect(text.replaceAll(":", "").toLowerCase()).toContain(issuingKeyId);
      const crl = crlOf(ca);
      expect(crl.issuer).toBe(new x509.X509Certificate(ca.issuingCertificatePem).subject);
      expect(crl.thisUpdate.getTime()).toBe(fixture.clock.ms);
      expect(crl.nextUpdate?.getTime()).toBe(fixture.clock.ms + 7 * DAY_MS);
    });
  });

  it("lists revoked serials with their reason (none for unspecified) and openssl then rejects the leaf", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      const revoked = expectIssued(await ca.submit(issuanceRequest()));
      const kept = expectIssued(await ca.submit(issuanceRequest()));
      const unspecified = expectIssued(await ca.submit(issuanceRequest()));
      const revokedAt = new Date(fixture.clock.ms - 60_000);
      await ca.revoke(revoked.serialHex, KEY_COMPROMISE, revokedAt);
      await ca.revoke(unspecified.serialHex, 0, revokedAt);

      // Each leaf is listed on the CRL its distribution point names (its serial's shard).
      const text = (await crlText(fixture, ca, crlOfLeaf(ca, revoked))) + (await crlText(fixture, ca, crlOfLeaf(ca, unspecified)));
      // openssl prints whole bytes ("0A3F…"): compare without leading zeros on either side.
      const bare = (hex: string): string => hex.toLowerCase().replace(/^0+/, "");
      const entry = (serialHex: string) => text.split("Serial Number: ").find((part) => bare(part).startsWith(bare(serialHex))) ?? "";
      expect(entry(revoked.serialHex)).toMatch(/Revocation Date: .*\n\s+CRL entry extensions:\n\s+X509v3 CRL Reason Code:\s*\n\s+Key Compromise/);
      // RFC 5280 §5.3.1: the reasonCode extension is absent rather than "unspecified".
      expect(entry(unspecified.serialHex)).not.toBe("");
      expect(entry(unspecified.serialHex)).not.toContain("CRL Reason Code");
      expect((await crlText(fixture, ca, crlOfLeaf(ca, kept))).toLowerCase()).not.toContain(kept.serialHex);
      const listed = crlOf(ca, crlOfLeaf(ca, revoked)).entries.find((e) => e.serialNumber === revoked.serialHex);
      expect(listed?.revocationDate.getTime()).toBe(revokedAt.getTime());

      const root = await fixture.file("root.pem", ca.rootCertificatePem);
      // openssl checks the CRL's issuing distribution point against the leaf's distribution
      // point (RFC 5280 §6.3.3): it finds no usable CRL when they differ.
      const check = async (certificate: typeof revoked, crlDer = crlOfLeaf(ca, certificate)) => {
        const chain = await fixture.file("chain.pem", certificate.chainPem);
        const leaf = await fixture.file("leaf.pem", pemBlocks(certificate.chainPem)[0] ?? "");
        const crl = await fixture.file("crl.pem", pemOf(crlDer));
        const result = openssl(["verify", "-crl_check", "-CAfile", root, "-untrusted", chain, "-CRLfile", crl, leaf]);
        return `${result.stdout}${result.stderr}`;
      };
      expect(await check(revoked)).toMatch(/certificate revoked/);
      expect(await check(kept)).toMatch(/leaf\.pem: OK/);
      // Any other shard's CRL, or the legacy one, is not a CRL for this leaf.
      expect(await check(revoked, ca.crlDer())).toMatch(/different CRL scope/);
    });
  });

  it("accepts unknown serials, keeps the first revocation of a serial, and raises the CRL number each time", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      const numbers = [crlNumber(ca)];
      await ca.revoke("0A", SUPERSEDED, new Date(fixture.clock.ms - 1000));
      numbers.push(crlNumber(ca));
      await ca.revoke("0a", KEY_COMPROMISE, new Date(fixture.clock.ms));
      await ca.revoke("000a", KEY_COMPROMISE, new Date(fixture.clock.ms));
      await ca.revoke("ff", SUPERSEDED, new Date(fixture.clock.ms));
      numbers.push(crlNumber(ca));
      expect(numbers[1]).toBeGreaterThan(numbers[0] ?? 0n);
      expect(numbers[2]).toBeGreaterThan(numbers[1] ?? 0n);

      const entries = crlOf(ca).entries;
      expect(entries).toHaveLength(2);
      expect(entries[0]?.reason).toBe(SUPERSEDED);
      expect(entries[0]?.revocationDate.getTime()).toBe(fixture.clock.ms - 1000);
      // Serials are kept as DER content octets: 0xff needs a 00 to stay positive. The journal
      // has each serial once (a repeat is answered from memory), and after a restart so does
      // the compacted snapshot.
      const journal = (await readFile(join(fixture.dir, "revoked.journal"), "utf8")).split("\n").filter((line) => line.includes("serial"));
      expect(journal.map((line) => (JSON.parse(line) as { serial: string }).serial)).toEqual(["0a", "00ff"]);
      await fixture.open();
      const file = JSON.parse(await readFile(join(fixture.dir, "revoked.json"), "utf8")) as { revoked: { serial: string }[] };
      expect(file.revoked.map((entry) => entry.serial)).toEqual(["0a", "00ff"]);
    });
  });

  it("persists revocations in revoked.journal, folded into revoked.json (0600) at restart, with a higher CRL number", async () => {
    await withCa(async (fixture) => {
      const first = await fixture.open();
      const certificate = expectIssued(await first.submit(issuanceRequest()));
      await first.revoke(certificate.serialHex, KEY_COMPROMISE, fixture.clock.now());
      const before = crlNumber(first, crlOfLeaf(first, certificate));
      const path = join(fixture.dir, "revoked.json");
      const journal = join(fixture.dir, "revoked.journal");
      expect((await stat(journal)).mode & 0o777).toBe(0o600);
      expect(await readFile(journal, "utf8")).toContain(`"serial":"${certificate.serialHex}","reason":${KEY_COMPROMISE}`);

      const reopened = await fixture.open();
      expect((await stat(path)).mode & 0o777).toBe(0o600);
      expect(JSON.parse(await readFile(path, "utf8"))).toMatchObject({ revoked: [{ serial: certificate.serialHex, reason: KEY_COMPROMISE }] });
      expect(await readFile(journal, "utf8")).toBe("");
      expect(reopened.issuingCertificatePem).toBe(first.issuingCertificatePem);
      const entries = crlOf(reopened, crlOfLeaf(reopened, certificate)).entries;
      expect(entries.map((e) => [e.serialNumber, e.reason])).toEqual([[certificate.serialHex, KEY_COMPROMISE]]);
      expect(crlNumber(reopened, crlOfLeaf(reopened, certificate))).toBeGreaterThan(before);
      await crlText(fixture, reopened, crlOfLeaf(reopened, certificate));
    });
  });

  it("keeps CRL numbers increasing across a restart even when the clock went back", async () => {
    await withCa(async (fixture) => {
      const first = await fixture.open();
      await first.revoke("01", KEY_COMPROMISE, fixture.clock.now());
      const before = crlNumber(first);
      fixture.clock.advance(-3_600_000);
      expect(crlNumber(await fixture.open())).toBeGreaterThan(before);
    });
  });

  it("serialises concurrent revocations without losing any", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      const serials = Array.from({ length: 20 }, (_, i) => (i + 1).toString(16).padStart(2, "0"));
      await Promise.all(serials.map((serial) => ca.revoke(serial, KEY_COMPROMISE, fixture.clock.now())));
      const reopened = await fixture.open();
      expect(crlOf(reopened).entries.map((e) => e.serialNumber).sort()).toEqual(serials);
    });
  });

  it("reissues the CRL once a day even without revocations", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      const first = ca.crlDer();
      fixture.clock.advance(DAY_MS - 1000);
      expect(ca.crlDer()).toBe(first);
      fixture.clock.advance(1000);
      // The day-old CRL (six days still to run) is served while the new one is written.
      expect(ca.crlDer()).toBe(first);
      await vi.waitFor(() => expect(ca.crlDer()).not.toBe(first));
      const fresh = crlOf(ca);
      expect(fresh.thisUpdate.getTime()).toBe(fixture.clock.ms);
      expect(fresh.nextUpdate?.getTime()).toBe(fixture.clock.ms + 7 * DAY_MS);
      expect(crlNumber(ca)).toBe(BOOT_NUMBERS + 1n);
      // The number is durable before the CRL is served: a restart goes on above it.
      expect(await readFile(join(fixture.dir, "revoked.journal"), "utf8")).toBe(`{"crlNumber":"${BOOT_NUMBERS + 1n}"}\n`);
      // Only the CRL that was fetched is reissued: a shard nobody asked for keeps its number.
      expect(crlNumber(ca, ca.shardCrlDer(0) ?? new Uint8Array())).toBe(1n);
    });
  });

  it("turns unhealthy while the daily CRL cannot be written, and recovers", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      const path = join(fixture.dir, "revoked.journal");
      await rm(path);
      await mkdir(path);
      fixture.clock.advance(DAY_MS);
      ca.crlDer();
      await vi.waitFor(async () => expect((await ca.health()).healthy).toBe(false));
      expect((await ca.health()).detail).toMatch(/^the local CA could not reissue its CRL: /);
      await rm(path, { recursive: true });
      ca.crlDer();
      await vi.waitFor(async () => expect(await ca.health()).toMatchObject({ healthy: true }));
      expect(crlNumber(ca)).toBe(BOOT_NUMBERS + 1n);
    });
  });

  it("refuses serials and reasons that cannot be revoked, and a corrupt revocation file", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      await expect(ca.revoke("xyz", KEY_COMPROMISE, new Date())).rejects.toThrow(LocalAuthorityError);
      await expect(ca.revoke("00", KEY_COMPROMISE, new Date())).rejects.toThrow(/is not a certificate serial number/);
      await expect(ca.revoke("01", 7, new Date())).rejects.toThrow(/7 is not a revocation reason code/);
      await expect(ca.revoke("01", 8, new Date())).rejects.toThrow(/8 is not a revocation reason code/);
      await expect(ca.revoke("01", KEY_COMPROMISE, new Date(Number.NaN))).rejects.toThrow(/not a valid date/);

      await writeFile(join(fixture.dir, "revoked.json"), "{ not json");
      // Starting with an empty list would silently un-revoke certificates.
      await expect(fixture.open()).rejects.toThrow(/revoked\.json is not a valid Certeasy revocation list/);
    });
  });

  it("reports a revocation it could not persist as a transient failure and publishes nothing", async () => {
    await withCa(async (fixture) => {
      const ca = await fixture.open();
      // A directory where the journal should be: the append fails.
      await rm(join(fixture.dir, "revoked.journal"));
      await mkdir(join(fixture.dir, "revoked.journal"));
      await expect(ca.revoke("01", KEY_COMPROMISE, new Date())).rejects.toThrow(AuthorityUnavailableError);
      expect(crlOf(ca).entries).toHaveLength(0);
    });
  });
});

function pemOf(der: Uint8Array): string {
  const base64 = Buffer.from(der).toString("base64").replace(/.{64}/g, "$&\n");
  return `-----BEGIN X509 CRL-----\n${base64.endsWith("\n") ? base64 : `${base64}\n`}-----END X509 CRL-----\n`;
}
