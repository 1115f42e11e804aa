/**
 * `certeasy adcs check` against the fake certutil/certreq (behaviour reference §5): one line per
 * check, exit 0 only when all pass; a CA that does not answer and a missing certreq each fail
 * with a line saying so; an unknown --authority is a usage error.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CA_NAME, FAKE_CERTREQ, FAKE_CERTUTIL, TEMPLATE, createTestCa, withFakeAdcs, type FakeAdcs } from "../ca/adcs-cli/fixture.js";
import { killLeftoverChildren, runCli } from "../e2e/harness.js";

afterEach(killLeftoverChildren);

const TIMEOUT = 60_000;

async function configFile(fake: FakeAdcs, overrides: { certreqPath?: string; template?: string } = {}): Promise<string> {
  const path = join(fake.dir, "config.yml");
  await mkdir(fake.workdir, { recursive: true });
  const text = [
    `workdir: ${JSON.stringify(fake.workdir)}`,
    "server:",
    "  url:",
    "    - https://acme.example.test/",
    "authorities:",
    "  - name: corp-adcs",
    "    type: adcs-cli",
    "    configuration:",
    `      ca-name: ${JSON.stringify(CA_NAME)}`,
    `      certificate-template: ${overrides.template ?? TEMPLATE}`,
    `      certreq-path: ${JSON.stringify(overrides.certreqPath ?? FAKE_CERTREQ)}`,
    `      certutil-path: ${JSON.stringify(FAKE_CERTUTIL)}`,
    "      default-timeout: 20s",
    "",
  ].join("\n");
  await writeFile(path, text);
  return path;
}

describe("certeasy adcs check", () => {
  it("passes every check against a CA that answers", { timeout: TIMEOUT }, async () => {
    await withFakeAdcs(await createTestCa(), async (fake) => {
      const result = await runCli(["adcs", "check", "-f", await configFile(fake)]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const lines = result.stdout.trim().split("\n");
      expect(lines).toEqual([
        `PASS corp-adcs: certutil present: ${FAKE_CERTUTIL}`,
        `PASS corp-adcs: certreq present: ${FAKE_CERTREQ}`,
        expect.stringMatching(/^PASS corp-adcs: certutil -ping: .*interface is alive/),
        `PASS corp-adcs: template ${TEMPLATE} published: the CA publishes ${TEMPLATE}`,
        expect.stringMatching(/^PASS corp-adcs: .*\/adcs writable: /),
        "all checks passed",
      ]);
      // Offline and read-only: nothing was submitted, nothing left in the workdir.
      expect((await fake.argv()).some((e) => e.program === "certreq")).toBe(false);
      expect(await fake.leftovers()).toEqual([]);
    });
  });

  it("fails, exit 1, when the CA does not answer certutil -ping", { timeout: TIMEOUT }, async () => {
    await withFakeAdcs(await createTestCa(), async (fake) => {
      await fake.scenario("rpc-unavailable");
      const result = await runCli(["adcs", "check", "-f", await configFile(fake), "--authority", "corp-adcs"]);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/^FAIL corp-adcs: certutil -ping: certutil -ping failed: .*RPC server is unavailable/m);
      expect(result.stdout).toMatch(/^PASS corp-adcs: certreq present/m);
      expect(result.stdout).toMatch(/check\(s\) failed\n$/);
    });
  });

  it("fails when certreq is missing or the template is not published", { timeout: TIMEOUT }, async () => {
    await withFakeAdcs(await createTestCa(), async (fake) => {
      const missing = join(fake.dir, "no-such-dir", "certreq");
      const result = await runCli(["adcs", "check", "-f", await configFile(fake, { certreqPath: missing, template: "NotPublished" })]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`FAIL corp-adcs: certreq present: ${missing}: no such file`);
      expect(result.stdout).toMatch(/^FAIL corp-adcs: template NotPublished published: the CA does not publish it; it publishes: CerteasyWebServer, WebServer$/m);
      expect(result.stdout).toMatch(/^PASS corp-adcs: certutil -ping/m);
    });
  });

  it("refuses an --authority that names no authority of the file (exit 2)", { timeout: TIMEOUT }, async () => {
    await withFakeAdcs(await createTestCa(), async (fake) => {
      const result = await runCli(["adcs", "check", "-f", await configFile(fake), "--authority", "other"]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--authority other: no authority of that name \(configured: corp-adcs\)/);
    });
  });
});
