/** Shared fixtures for the embedded CA tests: a temp CA directory, a settable clock, subject keys, openssl. */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import type { IssuanceIdentifier, IssuanceRequest, IssuedCertificate, SubmitOutcome } from "../../src/ca/authority.js";
import { type LocalAuthority, type LocalAuthorityOptions, openLocalAuthority } from "../../src/ca/local/local-authority.js";

export const CRL_URL = "http://acme.test/crl/lab.crl";
/** Where the fixture CA's shard N is served (the default derived from CRL_URL). */
export const shardCrlUrl = (shard: number): string => `http://acme.test/crl/lab/${shard}.crl`;
export const DAY_MS = 86_400_000;

/** A clock the test moves by hand; starts at the real time so openssl agrees on validity. */
export class TestClock {
  ms = Math.floor(Date.now() / 1000) * 1000;
  readonly now = (): Date => new Date(this.ms);
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface CaFixture {
  readonly workdir: string;
  /** `<workdir>/local-ca`, the CA's own directory */
  readonly dir: string;
  readonly clock: TestClock;
  readonly open: (overrides?: Partial<LocalAuthorityOptions>) => Promise<LocalAuthority>;
  /** writes `content` to `<workdir>/<name>` and returns the path (for openssl) */
  readonly file: (name: string, content: string | Uint8Array) => Promise<string>;
}

export async function withCa<T>(run: (fixture: CaFixture) => Promise<T>): Promise<T> {
  const workdir = await mkdtemp(join(tmpdir(), "certeasy-ca-"));
  const dir = join(workdir, "local-ca");
  const clock = new TestClock();
  try {
    return await run({
      workdir,
      dir,
      clock,
      open: (overrides) => openLocalAuthority({ dir, name: "lab", crlUrl: CRL_URL, now: clock.now, ...overrides }),
      file: async (name, content) => {
        const path = join(workdir, name);
        await writeFile(path, content);
        return path;
      },
    });
  } finally {
    await rm(workdir, { recursive: true, force: true });
  }
}

export type SubjectKeyType = "P-256" | "P-384" | "RSA-3072" | "Ed25519";

const keyCache = new Map<SubjectKeyType, { publicKey: KeyObject; spki: Buffer }>();

/** A subject key pair's public half as DER SPKI (cached: RSA-3072 generation is slow). */
export function subjectKey(type: SubjectKeyType): { publicKey: KeyObject; spki: Buffer } {
  const cached = keyCache.get(type);
  if (cached) return cached;
  const { publicKey } =
    type === "P-256"
      ? generateKeyPairSync("ec", { namedCurve: "P-256" })
      : type === "P-384"
        ? generateKeyPairSync("ec", { namedCurve: "P-384" })
        : type === "RSA-3072"
          ? generateKeyPairSync("rsa", { modulusLength: 3072 })
          : generateKeyPairSync("ed25519");
  const key = { publicKey, spki: publicKey.export({ type: "spki", format: "der" }) };
  keyCache.set(type, key);
  return key;
}

let requestCount = 0;

export function issuanceRequest(overrides: Partial<IssuanceRequest> = {}): IssuanceRequest {
  return {
    requestKey: `order-${++requestCount}`,
    // The local CA works from the checked fields; the raw CSR is for backends such as ADCS.
    csrDer: new Uint8Array([0x30, 0x00]),
    publicKeySpki: subjectKey("P-256").spki,
    identifiers: [{ type: "dns", value: "www.example.test" }],
    extraEkus: [],
    ...overrides,
  };
}

export const dns = (value: string): IssuanceIdentifier => ({ type: "dns", value });
export const ip = (value: string): IssuanceIdentifier => ({ type: "ip", value });

export function expectIssued(outcome: SubmitOutcome): IssuedCertificate {
  if (outcome.kind !== "issued") throw new Error(`expected an issued certificate, got ${JSON.stringify(outcome)}`);
  return outcome.certificate;
}

export function expectDenied(outcome: SubmitOutcome): string {
  if (outcome.kind !== "denied") throw new Error(`expected a denial, got ${outcome.kind}`);
  return outcome.reason;
}

/** The PEM blocks of a chain, each ending with "\n". */
export const pemBlocks = (chainPem: string): string[] => chainPem.match(/-----BEGIN [^-]+-----\n[\s\S]*?-----END [^-]+-----\n/g) ?? [];

export interface OpensslResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the openssl CLI, optionally feeding `input` on stdin. */
export function openssl(args: readonly string[], input?: Uint8Array): OpensslResult {
  const result = spawnSync("openssl", args, { encoding: "utf8", ...(input ? { input } : {}) });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The URL in a leaf's CRL distribution point (RFC 5280 §4.2.1.13), read with @peculiar/x509. */
export function crlDistributionPointOf(certificate: IssuedCertificate): string {
  const leaf = new x509.X509Certificate(new Uint8Array(certificate.certificateDer));
  const points = leaf.getExtension(x509.CRLDistributionPointsExtension)?.distributionPoints ?? [];
  const urls = points.flatMap((point) => point.distributionPoint?.fullName?.map((name) => name.uniformResourceIdentifier ?? "") ?? []);
  if (urls.length !== 1 || !urls[0]) throw new Error(`expected one CRL distribution point URI, got ${JSON.stringify(urls)}`);
  return urls[0];
}

/** The CRL the leaf's distribution point names, as the CA serves it (its shard's). */
export function crlOfLeaf(ca: LocalAuthority, certificate: IssuedCertificate): Uint8Array {
  const url = crlDistributionPointOf(certificate);
  const shard = /\/lab\/(\d+)\.crl$/.exec(url)?.[1];
  const der = shard === undefined ? null : ca.shardCrlDer(Number(shard));
  if (!der) throw new Error(`the leaf names ${url}, which is not one of the CA's shards`);
  return der;
}

/** `openssl crl -text` after checking the CRL's signature against the issuing CA (the legacy CRL unless given one). */
export async function crlText(fixture: CaFixture, ca: LocalAuthority, der: Uint8Array = ca.crlDer()): Promise<string> {
  const result = openssl([
    "crl",
    "-inform",
    "DER",
    "-in",
    await fixture.file("current.crl", der),
    "-CAfile",
    await fixture.file("issuing.pem", ca.issuingCertificatePem),
    "-verify",
    "-noout",
    "-text",
  ]);
  if (result.stderr.trim() !== "verify OK") throw new Error(`the CRL does not verify against the issuing CA: ${result.stderr}`);
  return result.stdout;
}
