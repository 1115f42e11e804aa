/**
 * The fake AD CS for the adcs-cli tests: a two-level test CA (root → issuing) made with
 * @peculiar/x509, the fake certreq/certutil programs next to this file, their state directory,
 * and helpers to read what they were called with.
 */
import "reflect-metadata";
import { execFile } from "node:child_process";
import { webcrypto } from "node:crypto";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import * as x509 from "@peculiar/x509";
import { type AdcsCliAuthority, type AdcsCliAuthorityOptions, openAdcsCliAuthority } from "../../../src/ca/adcs-cli/index.js";
import type { IssuanceRequest } from "../../../src/ca/authority.js";

const here = dirname(fileURLToPath(import.meta.url));
export const FAKE_CERTREQ = join(here, "fakes", "certreq");
export const FAKE_CERTUTIL = join(here, "fakes", "certutil");
export const CA_NAME = "ca01.corp.example\\Corp Issuing CA 1";
export const TEMPLATE = "CerteasyWebServer";

const ECDSA = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;

export interface TestCa {
  readonly rootPem: string;
  readonly issuingPem: string;
  readonly issuingKeyPem: string;
}

export async function createTestCa(): Promise<TestCa> {
  const rootKeys = await webcrypto.subtle.generateKey(ECDSA, true, ["sign", "verify"]);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=Fake Corp Root CA",
    keys: rootKeys,
    signingAlgorithm: SIGNING,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 3650 * 86_400_000),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(rootKeys.publicKey),
    ],
  });
  const issuingKeys = await webcrypto.subtle.generateKey(ECDSA, true, ["sign", "verify"]);
  const issuing = await x509.X509CertificateGenerator.create({
    subject: "CN=Corp Issuing CA 1",
    issuer: root.subject,
    publicKey: issuingKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: SIGNING,
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 1825 * 86_400_000),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(issuingKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(root),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", issuingKeys.privateKey);
  return { rootPem: root.toString("pem"), issuingPem: issuing.toString("pem"), issuingKeyPem: x509.PemConverter.encode(pkcs8, "PRIVATE KEY") };
}

export interface ArgvEntry {
  readonly program: "certreq" | "certutil";
  readonly argv: string[];
  readonly pid: number;
}

export interface FakeAdcs {
  /** the fake's state directory (FAKE_ADCS_DIR) */
  readonly dir: string;
  /** the authority's workdir */
  readonly workdir: string;
  readonly scenario: (scenario: string, language?: "en" | "de") => Promise<void>;
  readonly open: (overrides?: Partial<AdcsCliAuthorityOptions>) => AdcsCliAuthority;
  readonly argv: () => Promise<ArgvEntry[]>;
  /** files left under `<workdir>/adcs/` */
  readonly leftovers: () => Promise<string[]>;
  /** the CA officer: `certutil -resubmit <id>` (approve) or `-deny <id>` */
  readonly officer: (verb: "resubmit" | "deny", requestId: string) => Promise<void>;
  readonly request: (id: string) => Promise<Record<string, unknown>>;
}

export async function withFakeAdcs<T>(ca: TestCa, run: (fake: FakeAdcs) => Promise<T>): Promise<T> {
  const base = await mkdtemp(join(tmpdir(), "certeasy-adcs-"));
  const dir = join(base, "fake");
  const workdir = join(base, "work");
  await mkdir(join(dir, "ca"), { recursive: true });
  await mkdir(workdir);
  await writeFile(join(dir, "ca", "root.pem"), ca.rootPem);
  await writeFile(join(dir, "ca", "issuing.pem"), ca.issuingPem);
  await writeFile(join(dir, "ca", "issuing.key"), ca.issuingKeyPem);
  // The fakes are this process's children: they inherit the variable at spawn time.
  process.env.FAKE_ADCS_DIR = dir;
  try {
    return await run({
      dir,
      workdir,
      scenario: (scenario, language = "en") => writeFile(join(dir, "scenario.json"), JSON.stringify({ scenario, language })),
      open: (overrides) =>
        openAdcsCliAuthority({
          name: "corp-adcs",
          caName: CA_NAME,
          template: TEMPLATE,
          certreqPath: FAKE_CERTREQ,
          certutilPath: FAKE_CERTUTIL,
          workdir,
          timeoutMs: 30_000,
          now: () => new Date(),
          ...overrides,
        }),
      argv: async () => {
        const text = await readFile(join(dir, "argv.log"), "utf8").catch(() => "");
        return text
          .split("\n")
          .filter((line) => line !== "")
          .map((line) => JSON.parse(line) as ArgvEntry);
      },
      leftovers: async () => {
        const entries = await readdir(join(workdir, "adcs"), { recursive: true }).catch(() => []);
        return entries.map(String);
      },
      officer: async (verb, requestId) => {
        await promisify(execFile)(FAKE_CERTUTIL, ["-config", CA_NAME, `-${verb}`, requestId], { env: { ...process.env, FAKE_ADCS_SCENARIO: "" } });
      },
      request: async (id) => JSON.parse(await readFile(join(dir, "requests", `${id}.json`), "utf8")) as Record<string, unknown>,
    });
  } finally {
    delete process.env.FAKE_ADCS_DIR;
    // A hanging certreq outlives a server stopped under it (and the test run): end it here.
    for (const pid of await hungFakePids(dir)) process.kill(pid, "SIGKILL");
    await rm(base, { recursive: true, force: true });
  }
}

/** The live pids a hanging fake certreq recorded (itself and the child it spawned). */
export async function hungFakePids(fakeDir: string): Promise<number[]> {
  const pidsDir = join(fakeDir, "pids");
  const pids: number[] = [];
  for (const file of await readdir(pidsDir).catch(() => [])) pids.push(...(JSON.parse(await readFile(join(pidsDir, file), "utf8")) as { pids: number[] }).pids);
  return pids.filter(isAlive);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** A P-256 CSR for `names` (SANs), as an ACME client would send at finalize. */
export async function csrFor(names: readonly string[]): Promise<Uint8Array> {
  const keys = await webcrypto.subtle.generateKey(ECDSA, true, ["sign", "verify"]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys,
    signingAlgorithm: SIGNING,
    extensions: [new x509.SubjectAlternativeNameExtension(names.map((value) => ({ type: "dns" as const, value })))],
  });
  return new Uint8Array(csr.rawData);
}

let counter = 0;

export async function issuanceRequest(overrides: Partial<IssuanceRequest> = {}): Promise<IssuanceRequest> {
  return {
    requestKey: `order-${++counter}`,
    csrDer: await csrFor(["www.corp.example"]),
    publicKeySpki: new Uint8Array(),
    identifiers: [{ type: "dns", value: "www.corp.example" }],
    extraEkus: [],
    ...overrides,
  };
}
