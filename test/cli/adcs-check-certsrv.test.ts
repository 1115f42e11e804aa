/**
 * `certeasy adcs check` for adcs-certsrv and local authorities (issue 4 "PKI health"), the CLI
 * run as a process against the fake Web Enrollment site over real HTTPS: every check passes with
 * NTLMv2 (channel bindings required), and each way a real deployment goes wrong fails on its own
 * line with the reason — a wrong password (naming user and scheme, Basic and NTLM), a template
 * the site does not offer (or given by its display name), a site certificate the ca-bundle does
 * not vouch for, a site that is down. The embedded CA: before its first start, generated, and
 * operator-provided with a broken file. Nothing is ever submitted.
 */
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, afterAll, describe, expect, it } from "vitest";
import { openLocalAuthority } from "../../src/ca/local/local-authority.js";
import { createTestCa, type TestCa } from "../ca/adcs-cli/fixture.js";
import { FAKE_PASSWORD, FAKE_TEMPLATE, FAKE_USER, type FakeCertsrv, startFakeCertsrv } from "../ca/adcs-certsrv/fake-certsrv.js";
import { killLeftoverChildren, runCli } from "../e2e/harness.js";

afterEach(killLeftoverChildren);

const TIMEOUT = 90_000;

let dir: string;
let testCa: TestCa;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "certeasy-adcs-check-"));
  testCa = await createTestCa();
  await writeFile(join(dir, "password"), `${FAKE_PASSWORD}\n`, { mode: 0o600 });
  await writeFile(join(dir, "wrong-password"), "not-the-password\n", { mode: 0o600 });
  // A CA that did not issue the site's certificate: the wrong ca-bundle.
  await writeFile(join(dir, "other-ca.pem"), testCa.rootPem);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface CertsrvSettings {
  readonly url: string;
  readonly auth?: "ntlm" | "basic";
  readonly template?: string;
  readonly passwordFile?: string;
  readonly caBundle: string;
}

let configs = 0;
async function certsrvConfig(settings: CertsrvSettings): Promise<string> {
  const path = join(dir, `config-${++configs}.yml`);
  await writeFile(
    path,
    [
      `workdir: ${JSON.stringify(join(dir, `work-${configs}`))}`,
      "server:",
      "  url:",
      "    - https://acme.example.test/",
      "authorities:",
      "  - name: corp-web",
      "    type: adcs-certsrv",
      "    configuration:",
      `      url: ${settings.url}`,
      `      certificate-template: ${JSON.stringify(settings.template ?? FAKE_TEMPLATE)}`,
      `      auth: ${settings.auth ?? "ntlm"}`,
      `      username: ${JSON.stringify(FAKE_USER)}`,
      `      password-file: ${JSON.stringify(settings.passwordFile ?? join(dir, "password"))}`,
      `      ca-bundle: ${JSON.stringify(settings.caBundle)}`,
      "      default-timeout: 20s",
      "",
    ].join("\n"),
  );
  return path;
}

async function withSite(auth: "ntlm" | "basic", run: (fake: FakeCertsrv, caBundle: string) => Promise<void>): Promise<void> {
  const fake = await startFakeCertsrv(testCa, { auth, requireChannelBindings: auth === "ntlm" });
  const caBundle = join(dir, `site-${fake.url.replace(/\D/g, "")}.pem`);
  await writeFile(caBundle, fake.tlsCertificatePem);
  try {
    await run(fake, caBundle);
  } finally {
    await fake.close();
  }
}

const lines = (stdout: string): string[] => stdout.trim().split("\n");

describe("certeasy adcs check: adcs-certsrv", () => {
  it("passes every check against a site that answers, and submits nothing", { timeout: TIMEOUT }, async () => {
    await withSite("ntlm", async (fake, caBundle) => {
      const result = await runCli(["adcs", "check", "-f", await certsrvConfig({ url: fake.url, caBundle })], TIMEOUT);
      expect(result.stderr).toBe("");
      expect(lines(result.stdout)).toEqual([
        expect.stringMatching(/^PASS corp-web: configuration: password file .*password read; ca-bundle .*\.pem read$/),
        expect.stringMatching(/^PASS corp-web: TLS to 127\.0\.0\.1:\d+: TLSv1\.3, certificate CN=ca01\.corp\.example verified, valid until /),
        `PASS corp-web: ntlm authentication as ${FAKE_USER}: ${fake.url} accepted the credentials`,
        "PASS corp-web: Web Enrollment pages: home page, certrqxt.asp and its form posting to certfnsh.asp present",
        `PASS corp-web: template ${FAKE_TEMPLATE} offered: offered to this account as "Certeasy Web Server"`,
        "PASS corp-web: CA chain (certnew.p7b): 2 CA certificate(s): CN=Corp Issuing CA 1; CN=Fake Corp Root CA",
        "all checks passed",
      ]);
      expect(result.code).toBe(0);
      expect(fake.requests.size).toBe(0);
      expect(fake.log.every((entry) => entry.method === "GET")).toBe(true);
    });
  });

  it("fails on a wrong password, naming the user and the scheme, with NTLM and with Basic", { timeout: TIMEOUT }, async () => {
    for (const auth of ["ntlm", "basic"] as const) {
      await withSite(auth, async (fake, caBundle) => {
        const result = await runCli(["adcs", "check", "-f", await certsrvConfig({ url: fake.url, auth, caBundle, passwordFile: join(dir, "wrong-password") })], TIMEOUT);
        expect(result.code).toBe(1);
        expect(result.stdout).toMatch(/^PASS corp-web: TLS to /m);
        expect(result.stdout).toContain(
          `FAIL corp-web: ${auth} authentication as ${FAKE_USER}: certsrv refused the credentials of ${FAKE_USER} with ${auth} authentication (HTTP 401 to GET /certsrv/)`,
        );
        // Nothing after a failed login: every later line would say the same.
        expect(result.stdout).not.toMatch(/template|CA chain/);
        expect(result.stdout).toMatch(/^1 check\(s\) failed$/m);
      });
    }
  });

  it("fails when the site does not offer the template, and names the internal name when the display name was given", { timeout: TIMEOUT }, async () => {
    await withSite("ntlm", async (fake, caBundle) => {
      const missing = await runCli(["adcs", "check", "-f", await certsrvConfig({ url: fake.url, caBundle, template: "CorpTlsServer" })], TIMEOUT);
      expect(missing.code).toBe(1);
      expect(missing.stdout).toMatch(
        /^FAIL corp-web: template CorpTlsServer offered: not offered to this account \(the CA does not publish it, or the account lacks Enroll on it\); offered: CerteasyWebServer, WebServer, User$/m,
      );
      expect(missing.stdout).toMatch(/^PASS corp-web: CA chain/m);
      const display = await runCli(["adcs", "check", "-f", await certsrvConfig({ url: fake.url, caBundle, template: "Certeasy Web Server" })], TIMEOUT);
      expect(display.code).toBe(1);
      expect(display.stdout).toContain(
        `FAIL corp-web: template Certeasy Web Server offered: "Certeasy Web Server" is the template's display name; certificate-template must be its internal name, ${FAKE_TEMPLATE}`,
      );
    });
  });

  it("fails at TLS when ca-bundle does not vouch for the site's certificate, before sending credentials", { timeout: TIMEOUT }, async () => {
    await withSite("ntlm", async (fake) => {
      const result = await runCli(["adcs", "check", "-f", await certsrvConfig({ url: fake.url, caBundle: join(dir, "other-ca.pem") })], TIMEOUT);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^FAIL corp-web: TLS to 127\.0\.0\.1:\d+: the certificate of 127\.0\.0\.1:\d+ does not verify against the configured ca-bundle: /m);
      expect(lines(result.stdout)).toHaveLength(3); // configuration, TLS, the summary
      expect(fake.log).toEqual([]);
    });
  });

  it("fails at TLS when the site is down", { timeout: TIMEOUT }, async () => {
    const port = await closedPort();
    const result = await runCli(["adcs", "check", "-f", await certsrvConfig({ url: `https://127.0.0.1:${port}/certsrv/`, caBundle: join(dir, "other-ca.pem") })], TIMEOUT);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(new RegExp(`^FAIL corp-web: TLS to 127\\.0\\.0\\.1:${port}: cannot reach certsrv at https://127\\.0\\.0\\.1:${port} for the TLS handshake with 127\\.0\\.0\\.1:${port}: connect ECONNREFUSED`, "m"));
  });
});

describe("certeasy adcs check: the embedded CA", () => {
  async function localConfig(workdir: string, local: readonly string[] = []): Promise<string> {
    const path = join(dir, `config-${++configs}.yml`);
    await writeFile(
      path,
      [`workdir: ${JSON.stringify(workdir)}`, "server:", "  url:", "    - https://acme.example.test/", "authorities:", "  - name: lab-ca", "    type: local", ...local, ""].join("\n"),
    );
    return path;
  }

  it("passes before the first start without creating the CA, then loads the generated CA and self-checks it without writing; a corrupt revocation list fails", { timeout: TIMEOUT }, async () => {
    const workdir = join(dir, "local-work");
    const config = await localConfig(workdir);
    const fresh = await runCli(["adcs", "check", "-f", config], TIMEOUT);
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/^PASS lab-ca: CA files: no CA in .*local-ca yet: the first start generates the root and issuing CA there/m);
    await expect(access(join(workdir, "local-ca"))).rejects.toThrow();

    // As the first start does; one revocation on the list.
    const ca = await openLocalAuthority({ dir: join(workdir, "local-ca"), name: "lab-ca", crlUrl: "https://acme.example.test/crl/lab-ca.crl", now: () => new Date() });
    await ca.revoke("0123456789abcdef", 1, new Date());
    const revocationFiles = async () => [
      await readFile(join(workdir, "local-ca", "revoked.json"), "utf8"),
      await readFile(join(workdir, "local-ca", "revoked.journal"), "utf8"),
    ];
    const revocations = await revocationFiles();
    const opened = await runCli(["adcs", "check", "-f", config, "--authority", "lab-ca"], TIMEOUT);
    expect(opened.stderr).toBe("");
    expect(lines(opened.stdout)).toEqual([
      expect.stringMatching(/^PASS lab-ca: CA files: generated CA in .*local-ca loaded: issuing CA CN=lab-ca Issuing CA.*, valid until \d{4}-/),
      expect.stringMatching(/^PASS lab-ca: self-check: issuing CA signs; 1 revocation\(s\) in .*revoked\.json and its journal, CRL signable; valid until .*; 16 CRL shard\(s\)$/),
      "all checks passed",
    ]);
    expect(opened.code).toBe(0);
    // Read-only next to a running node: no CRL published, the CRL number not taken.
    expect(await revocationFiles()).toEqual(revocations);
    // A crl-shards the CA was not created with: the check says what serve would refuse.
    const resharded = await runCli(["adcs", "check", "-f", await localConfig(workdir, ["    configuration:", "      crl-shards: 4"])], TIMEOUT);
    expect(resharded.code).toBe(1);
    expect(resharded.stdout).toMatch(/^FAIL lab-ca: self-check: crl-shards is 4 but this CA's CRLs were partitioned into 16 shards /m);

    await writeFile(join(workdir, "local-ca", "revoked.json"), "{ not json");
    const corrupt = await runCli(["adcs", "check", "-f", config], TIMEOUT);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stdout).toMatch(/^FAIL lab-ca: self-check: .*revoked\.json is not a valid Certeasy revocation list; restore it from backup$/m);
  });

  it("fails when an operator-provided CA file cannot be opened, naming the key", { timeout: TIMEOUT }, async () => {
    const files = await mkdtemp(join(dir, "operator-"));
    await writeFile(join(files, "root.pem"), testCa.rootPem);
    await writeFile(join(files, "issuing.pem"), testCa.issuingPem);
    const config = await localConfig(join(dir, "operator-work"), [
      "    configuration:",
      `      root-certificate-file: ${JSON.stringify(join(files, "root.pem"))}`,
      `      issuing-certificate-file: ${JSON.stringify(join(files, "issuing.pem"))}`,
      `      issuing-key-file: ${JSON.stringify(join(files, "issuing.key"))}`,
    ]);
    const missing = await runCli(["adcs", "check", "-f", config], TIMEOUT);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toMatch(/^FAIL lab-ca: CA files: issuing-key-file .*issuing\.key does not exist$/m);

    await writeFile(join(files, "issuing.key"), testCa.issuingKeyPem, { mode: 0o600 });
    const present = await runCli(["adcs", "check", "-f", config], TIMEOUT);
    expect(present.stdout).toMatch(/^PASS lab-ca: CA files: operator-provided CA loaded: issuing CA CN=Corp Issuing CA 1/m);
    expect(present.stdout).toMatch(/^PASS lab-ca: self-check: /m);
    expect(present.code).toBe(0);
  });
});

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}
