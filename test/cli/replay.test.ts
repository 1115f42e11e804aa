/**
 * The auditor's and operator's view of the read model (issue 6): `events replay --to-sqlite`
 * rebuilds every projection table in a new SQLite file — from the database or from an export —
 * with the events' envelopes unchanged; a tampered export builds nothing; `projections status`
 * says whether a rebuild would change the live tables. The log comes from real issuance with
 * acme-client against the in-process server.
 */
import { existsSync } from "node:fs";
import { lookup as dnsLookup } from "node:dns";
import { readFile, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { join } from "node:path";
import * as acme from "acme-client";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { projectionTables } from "../../projections/index.js";
import { startAcmeTestServer, type AcmeTestServer } from "../e2e/acme-server.js";
import { killLeftoverChildren, runCli, STACK_FRAME, tempDir } from "../e2e/harness.js";

const TIMEOUT = 180_000;
const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

let server: AcmeTestServer;
let dir: string;
let configPath: string;
let livePath: string;

/** Issue a certificate for `name` through http-01, as certbot would. */
async function issue(client: acme.Client, name: string): Promise<string> {
  const order = await client.createOrder({ identifiers: [{ type: "dns", value: name }] });
  for (const authorization of await client.getAuthorizations(order)) {
    const challenge = authorization.challenges.find((c) => c.type === "http-01");
    if (!challenge) throw new Error("no http-01 challenge");
    server.http01.set(challenge.token, await client.getChallengeKeyAuthorization(challenge));
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
  }
  const [, csr] = await acme.crypto.createCsr({ altNames: [name] }, await acme.crypto.createPrivateEcdsaKey());
  const valid = await client.waitForValidStatus(await client.finalizeOrder(order, csr));
  return client.getCertificate(valid);
}

beforeAll(async () => {
  server = await startAcmeTestServer();
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: server.rootPem, lookup: loopback });
  const client = new acme.Client({ directoryUrl: server.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await client.createAccount({ termsOfServiceAgreed: true, contact: ["mailto:ops@shop.test"] });
  await issue(client, "a.shop.test");
  await client.revokeCertificate(await issue(client, "b.shop.test"), { reason: 4 });

  // The CLI reads the running server's database (WAL: readers never block it).
  dir = await tempDir("certeasy-replay-");
  livePath = join(server.workdir, "db.sqlite");
  configPath = join(dir, "config.yml");
  await writeFile(
    configPath,
    [
      `workdir: ${JSON.stringify(server.workdir)}`,
      "server:",
      "  url:",
      `    - ${server.baseUrl}`,
      "database:",
      "  driver: sqlite",
      `  path: ${JSON.stringify(livePath)}`,
      "",
    ].join("\n"),
  );
}, TIMEOUT);
afterEach(killLeftoverChildren);
afterAll(async () => {
  await server?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const cli = (...args: string[]) => runCli(args);

/** Every row of a table, each as canonical-ish JSON, sorted: two databases compare equal. */
function tableRows(path: string, table: string): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT * FROM "${table}"`).all() as Record<string, unknown>[]).map((r) => JSON.stringify(r)).sort();
  } finally {
    db.close();
  }
}

function expectSameReadModel(copy: string): void {
  expect(tableRows(copy, "es_events")).toEqual(tableRows(livePath, "es_events"));
  expect(tableRows(copy, "es_log_head")).toEqual(tableRows(livePath, "es_log_head"));
  for (const table of projectionTables) expect(tableRows(copy, table), table).toEqual(tableRows(livePath, table));
  expect(tableRows(copy, "acme_certificates")).toHaveLength(2);
}

describe("certeasy events replay --to-sqlite", () => {
  it("rebuilds the whole read model from the database and from an export, envelopes unchanged", async () => {
    const fromDb = join(dir, "from-db.sqlite");
    const replayed = await cli("events", "replay", "--to-sqlite", fromDb, "-f", configPath);
    expect(replayed.code, replayed.stderr).toBe(0);
    expect(replayed.stdout).toMatch(/replayed \d+ events into .*chain intact/);
    expect(replayed.stdout).toMatch(/acme_certificates\s+2/);
    expectSameReadModel(fromDb);

    const exported = await cli("events", "export", "-f", configPath);
    expect(exported.code, exported.stderr).toBe(0);
    const exportPath = join(dir, "log.ndjson");
    await writeFile(exportPath, exported.stdout);
    const fromExport = join(dir, "from-export.sqlite");
    const again = await cli("events", "replay", "--to-sqlite", fromExport, "--input", exportPath);
    expect(again.code, again.stderr).toBe(0);
    expectSameReadModel(fromExport);

    const before = await readFile(fromExport);
    const refused = await cli("events", "replay", "--to-sqlite", fromExport, "--input", exportPath);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already exists/);
    expect(refused.stderr).not.toMatch(STACK_FRAME);
    expect((await readFile(fromExport)).equals(before)).toBe(true);
  }, TIMEOUT);

  it("a tampered export builds nothing and names the line", async () => {
    const exported = await cli("events", "export", "-f", configPath);
    const lines = exported.stdout.split("\n");
    // Another contact in the account's registration: valid JSON, no longer the hashed body.
    const index = lines.findIndex((l) => l.includes("mailto:ops@shop.test"));
    expect(index).toBeGreaterThan(0);
    lines[index] = (lines[index] ?? "").replace("mailto:ops@shop.test", "mailto:eve@shop.test");
    const tampered = join(dir, "tampered.ndjson");
    await writeFile(tampered, lines.join("\n"));
    const target = join(dir, "tampered.sqlite");
    const result = await cli("events", "replay", "--to-sqlite", target, "--input", tampered);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`line ${index + 1}: position ${index + 1}: the body does not hash`);
    expect(existsSync(target)).toBe(false);
  }, TIMEOUT);

  it("needs exactly one source", async () => {
    const none = await cli("events", "replay", "--to-sqlite", join(dir, "none.sqlite"));
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/nothing to replay/);
  }, TIMEOUT);
});

describe("certeasy projections status", () => {
  it("says every table is current, names a table a rebuild would change, and is current again after rebuild", async () => {
    const current = await cli("projections", "status", "-f", configPath);
    expect(current.code, current.stderr).toBe(0);
    for (const table of projectionTables) expect(current.stdout).toMatch(new RegExp(`${table}\\s+\\d+\\s+\\d+\\s+current`));

    // A projection row edited behind the projections' back (invariant 1 broken by hand).
    const db = new Database(livePath);
    db.prepare("UPDATE acme_certificates SET revoked_at = NULL").run();
    db.close();
    const stale = await cli("projections", "status", "-f", configPath);
    expect(stale.code).toBe(1);
    // One certificate was revoked: its row is the one that differs.
    expect(stale.stdout).toMatch(/acme_certificates\s+2\s+2\s+a rebuild would drop 1 row\(s\) and write 1/);
    expect(stale.stdout).toMatch(/acme_orders\s+\d+\s+\d+\s+current/);

    const rebuilt = await cli("projections", "rebuild", "-f", configPath);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const after = await cli("projections", "status", "-f", configPath);
    expect(after.code, after.stdout).toBe(0);
  }, TIMEOUT);
});
