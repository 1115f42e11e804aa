/**
 * `certeasy license install|show` and the boot check of `certeasy serve`, as an operator runs
 * them (reference §5, §8.3): refusals exit 1 with the reason and leave a
 * `license.install-rejected` event; a configuration the license (or the Free plan) does not allow
 * stops `serve` with a banner on stderr and exit 1; a license installed through the running
 * server's admin channel applies to the next new order.
 */
import { lookup as dnsLookup } from "node:dns";
import { appendFile, readFile, writeFile } from "node:fs/promises";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { join } from "node:path";
import * as acme from "acme-client";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { licenseProjection } from "../../projections/index.js";
import { LicenseService } from "../../src/license/index.js";
import { openNode } from "../../src/node/open-node.js";
import { createInstallation, killLeftoverChildren, runCli, STACK_FRAME, type CliResult, type Installation } from "../e2e/harness.js";
import { licenseFile, newLicenseSigningKey, signLicense, licenseClaims, testTrustedKeys } from "../support/license.js";

/** Every CLI run starts node and tsx: seconds each on a loaded machine. */
const TIMEOUT = 240_000;
const DAY = 24 * 60 * 60 * 1000;
const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

let node: Installation | undefined;
afterEach(async () => {
  await killLeftoverChildren();
  await node?.cleanup();
  node = undefined;
});

async function installation(): Promise<Installation> {
  node = await createInstallation();
  return node;
}

async function install(target: Installation, text: string, ...flags: string[]): Promise<CliResult> {
  const file = join(target.workdir, "candidate.lic");
  await writeFile(file, text);
  return runCli(["license", "install", file, ...flags, "-f", target.configPath]);
}

async function loggedEvents(target: Installation): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const exported = await target.cli("events", "export");
  expect(exported.code, exported.stderr).toBe(0);
  return exported.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as { type: string; data: Record<string, unknown> });
}

/** A second authority (ADCS through certreq): two authorities, one more than the Free plan allows. */
const SECOND_AUTHORITY = [
  "authorities:",
  "  - name: local",
  "    type: local",
  "  - name: corp-adcs",
  "    type: adcs-cli",
  "    configuration:",
  "      ca-name: PKI\\\\LAB-RootCA",
  "      certificate-template: WebServerACME",
  "policy-bindings:",
  "  - policy: default",
  "    authorities:",
  "      - local",
  "",
].join("\n");

describe("license install on a stopped node", () => {
  it(
    "refuses a wrong signature, a tampered payload, an expired license and a misfit, each with its reason, exit 1 and an event",
    async () => {
      const target = await installation();
      const refusals: [string, string, RegExp][] = [
        ["bad_signature", await licenseFile({}, newLicenseSigningKey()), /does not verify with any trusted key/],
        ["expired", await licenseFile({ issued_at: new Date(Date.now() - 30 * DAY).toISOString(), expires_at: new Date(Date.now() - DAY).toISOString() }), /expired at/],
        // Both misfits are named; the reason code is the first one's.
        [
          "db_not_allowed",
          await licenseFile({ allowed_dbs: ["postgres"], max_cas: 0 }),
          /database.driver is sqlite, but the pro plan allows postgres only; 1 authorities are declared \(local\), but the pro plan allows 0/,
        ],
      ];
      const token = await signLicense(licenseClaims({ max_managed_servers: 10 }));
      const [header, , signature] = token.split(".");
      const raised = Buffer.from(JSON.stringify(licenseClaims({ max_managed_servers: "unlimited" }))).toString("base64url");
      refusals.push(["bad_signature", `${header}.${raised}.${signature}`, /does not verify/]);

      for (const [reason, text, message] of refusals) {
        const result = await install(target, text);
        expect(result.code, `${reason}: ${result.stdout}${result.stderr}`).toBe(1);
        expect(result.stderr).toMatch(new RegExp(`^certeasy: license refused \\(${reason}\\): `));
        expect(result.stderr).toMatch(message);
        expect(result.stderr).not.toMatch(STACK_FRAME);
      }
      const rejected = (await loggedEvents(target)).filter((e) => e.type === "license.install-rejected").map((e) => e.data["reason"]);
      expect(rejected).toEqual(refusals.map(([reason]) => reason));
      expect((await target.cli("license", "show")).stdout).toMatch(/^plan: +free$/m);
    },
    TIMEOUT,
  );

  it(
    "installs a fitting license and shows plan, expiry, limits and usage; the log holds the token",
    async () => {
      const target = await installation();
      const text = await licenseFile({ plan: "starter", max_managed_servers: 250, max_cas: 2, allowed_dbs: ["sqlite"] });
      const result = await install(target, text);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^Installed license CRT-TEST01-TEST02-TEST03-TEST04-TEST05 \(starter\)\.$/m);
      expect(result.stdout).toMatch(/signed by: +license\.public-keys\.0 \(inline PEM\)/);

      const show = await target.cli("license", "show");
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toMatch(/^plan: +starter \(license CRT-TEST01-TEST02-TEST03-TEST04-TEST05, plan starter\)$/m);
      expect(show.stdout).toMatch(/^status: +valid until \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m);
      expect(show.stdout).toMatch(/^managed servers +0 +250$/m);
      expect(show.stdout).toMatch(/^authorities +1 +2$/m);
      expect(show.stdout).toMatch(/^database driver +sqlite +sqlite$/m);

      const installed = (await loggedEvents(target)).find((e) => e.type === "license.installed");
      expect(installed?.data["token"]).toBe(text.split("\n").slice(1, -2).join(""));
    },
    TIMEOUT,
  );
});

describe("serve refuses what the license does not allow", () => {
  it(
    "two authorities without a license: BOOT REFUSED (NO LICENSE), exit 1, and a license.boot-refused event",
    async () => {
      const target = await installation();
      await appendFile(target.configPath, SECOND_AUTHORITY);
      const refused = await runCli(["serve", "-f", target.configPath]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("BOOT REFUSED (NO LICENSE)");
      expect(refused.stderr).toMatch(/2 authorities are declared \(local, corp-adcs\), but the free plan allows 1/);
      expect(refused.stderr).toMatch(/server_id: +[0-9a-f-]{36}/);
      expect(refused.stdout).not.toContain("ACME directory:");
      const events = await loggedEvents(target);
      expect(events.find((e) => e.type === "license.boot-refused")?.data).toMatchObject({ title: "BOOT REFUSED (NO LICENSE)", licenseId: null });
    },
    TIMEOUT,
  );

  it(
    "a misfit installed with --force: install says so, serve says BOOT REFUSED (LICENSE DEGRADED)",
    async () => {
      const target = await installation();
      const forced = await install(target, await licenseFile({ max_cas: 0 }), "--force");
      expect(forced.code, forced.stderr).toBe(0);
      expect(forced.stdout).toMatch(/Installed with --force although the configuration does not fit it/);
      const refused = await runCli(["serve", "-f", target.configPath]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("BOOT REFUSED (LICENSE DEGRADED)");
      expect(refused.stderr).toMatch(/license: +CRT-TEST01-TEST02-TEST03-TEST04-TEST05 \(pro\)/);
    },
    TIMEOUT,
  );

  it(
    "a license expired more than 7 days ago: BOOT REFUSED (LICENSE EXPIRED); expired 2 days ago: boots with a grace warning",
    async () => {
      const target = await installation();
      // Installed back when it was valid: a node core on this workdir with its clock 60 days back.
      const installAt = async (expiresInDays: number): Promise<void> => {
        const past = (): Date => new Date(Date.now() - 60 * DAY);
        const projection = licenseProjection();
        const core = await openNode({
          workdir: target.workdir,
          store: { driver: "sqlite", path: join(target.workdir, "db.sqlite") },
          noddl: false,
          auditPath: target.auditPath,
          log: pino({ level: "silent" }),
          clock: past,
          memoryProjections: [projection],
        });
        try {
          const service = new LicenseService({ writer: core.writer, state: () => core.live.state(projection), keys: await testTrustedKeys(), config: { driver: "sqlite", authorities: ["local"] }, clock: past });
          const expiresAt = new Date(Date.now() + expiresInDays * DAY).toISOString();
          await service.install({ text: await licenseFile({ issued_at: new Date(Date.now() - 90 * DAY).toISOString(), expires_at: expiresAt }), force: false });
        } finally {
          await core.stop("shutdown");
        }
      };

      await installAt(-8);
      const refused = await runCli(["serve", "-f", target.configPath]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain("BOOT REFUSED (LICENSE EXPIRED)");
      expect(refused.stderr).toMatch(/its 7-day boot grace is over/);

      await installAt(-2);
      const server = await target.serve();
      expect(server.stderr()).toContain("LICENSE EXPIRED: RUNNING IN BOOT GRACE");
      expect((await server.stop("SIGTERM")).code).toBe(0);
    },
    TIMEOUT,
  );
});

describe("license install while the server runs", () => {
  it(
    "goes through the admin channel and applies to the next new order without a restart",
    async () => {
      const target = await installation();
      const server = await target.serve();
      acme.axios.defaults.httpsAgent = new https.Agent({ ca: await readFile(target.rootCaPath, "utf8"), lookup: loopback });
      const client = new acme.Client({ directoryUrl: server.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
      await client.createAccount({ termsOfServiceAgreed: true });
      await client.createOrder({ identifiers: [{ type: "dns", value: "before.license.test" }] });

      const installed = await install(target, await licenseFile({ plan: "starter", max_managed_servers: 0, max_cas: 1, allowed_dbs: ["sqlite"] }));
      expect(installed.code, installed.stderr).toBe(0);
      expect(installed.stdout).toMatch(/through the running server: it applies now/);
      await expect(client.createOrder({ identifiers: [{ type: "dns", value: "after.license.test" }] })).rejects.toThrow(/allows no managed servers/);

      const show = await target.cli("license", "show");
      expect(show.stdout).toMatch(/^plan: +starter/m);
      expect(show.stdout).toMatch(/^managed servers +0 +0$/m);
      expect((await server.stop("SIGTERM")).code).toBe(0);
      const denied = (await loggedEvents(target)).filter((e) => e.type === "license.denied");
      expect(denied.map((e) => e.data["reason"])).toEqual(["max_managed_servers_zero"]);
    },
    TIMEOUT,
  );
});
