/**
 * `certeasy eab create|list|revoke` as an operator runs them: against a stopped installation
 * (the CLI boots the node core itself) and against a running `certeasy serve` (through its
 * admin channel), with the exit codes of the CLI (0 ok, 1 failure, 2 usage). The HMAC key is
 * printed once by `create` and appears nowhere else: not in `list`, the audit file or the
 * database. A key made by the CLI binds an acme-client account on the served directory.
 */
import { lookup as dnsLookup } from "node:dns";
import { readFile, stat } from "node:fs/promises";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { join } from "node:path";
import * as acme from "acme-client";
import { afterEach, describe, expect, it } from "vitest";
import { createInstallation, killLeftoverChildren, STACK_FRAME, type CliResult, type Installation } from "../e2e/harness.js";

const TIMEOUT = 90_000;
const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

let node: Installation | undefined;
afterEach(async () => {
  await killLeftoverChildren();
  await node?.cleanup();
  node = undefined;
});

const ok = (result: CliResult): CliResult => {
  expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
  return result;
};

/** What `eab create` printed: its key id and HMAC key. */
function credentials(stdout: string): { kid: string; hmacKey: string } {
  const kid = /^ {2}key id: +(\S+)$/m.exec(stdout)?.[1] ?? "";
  const hmacKey = /^ {2}HMAC key: +(\S+)$/m.exec(stdout)?.[1] ?? "";
  expect(kid).toMatch(/^[0-9a-f]{24}$/);
  expect(Buffer.from(hmacKey, "base64url")).toHaveLength(32);
  return { kid, hmacKey };
}

/** Every place the secret must not be: the audit file, every event body and every projection row, and the database files. */
async function expectSecretNowhere(installation: Installation, hmacKey: string): Promise<void> {
  const raw = Buffer.from(hmacKey, "base64url");
  const encodings = [hmacKey, raw.toString("base64"), raw.toString("hex")];
  const audit = (await installation.auditLines()).join("\n");
  const events = JSON.stringify(await installation.db.query("SELECT body FROM es_events"));
  const rows = JSON.stringify(await installation.db.query("SELECT * FROM acme_eab_keys"));
  expect(events).toContain("acme.eab.key-created");
  for (const text of [audit, events, rows]) for (const encoding of encodings) expect(text).not.toContain(encoding);
  const dbPath = join(installation.workdir, "db.sqlite");
  const files = Buffer.concat(await Promise.all([dbPath, `${dbPath}-wal`].map((p) => readFile(p).catch(() => Buffer.alloc(0)))));
  expect(files.includes(raw)).toBe(false);
  expect(files.includes(Buffer.from(hmacKey))).toBe(false);
}

describe("certeasy eab on a stopped installation", () => {
  it("creates, lists and revokes a key offline, with the exit codes of the CLI", async () => {
    node = await createInstallation();
    const created = ok(await node.cli("eab", "create", "--name", "*.Corp.Example", "--name", "host.example.com", "--profile", "tlsserver", "--note", "team A"));
    expect(created.stdout).not.toMatch(/running server/);
    const { kid, hmacKey } = credentials(created.stdout);
    // `=`: a base64url key may start with "-", which certbot would take for an option.
    expect(created.stdout).toContain(`--eab-kid ${kid} --eab-hmac-key=${hmacKey}`);
    expect(created.stdout).toContain(`--eab --kid ${kid} --hmac ${hmacKey}`);
    expect(created.stdout).toContain(`-e ${kid}:${hmacKey}`);
    expect(created.stdout).toContain(`EAB_KID="${kid}" EAB_HMAC_KEY="${hmacKey}"`);
    expect(created.stdout).toContain(`--server ${node.baseUrl}acme/directory`);
    expect((await stat(join(node.workdir, "eab-kek"))).mode & 0o777).toBe(0o600);

    const listed = ok(await node.cli("eab", "list"));
    expect(listed.stdout).toMatch(/^KEY ID +CREATED +STATUS +ACCOUNT +NAMES +PROFILES +NOTE$/m);
    expect(listed.stdout).toMatch(new RegExp(`^${kid} +\\d{4}-\\d\\d-\\d\\dT\\S+Z +active +- +\\*\\.corp\\.example,host\\.example\\.com +tlsserver +team A$`, "m"));
    expect(listed.stdout).not.toContain(hmacKey);

    const revoked = ok(await node.cli("eab", "revoke", kid));
    expect(revoked.stdout).toMatch(/can no longer bind a new account/);
    expect(ok(await node.cli("eab", "revoke", kid)).stdout).toMatch(/already revoked/);
    expect(ok(await node.cli("eab", "list")).stdout).toMatch(new RegExp(`^${kid} +\\S+ +revoked `, "m"));

    const unknown = await node.cli("eab", "revoke", "nosuchkey");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no EAB key has key id "nosuchkey"/);
    const missing = await node.cli("eab", "revoke");
    expect(missing.code).toBe(2);
    const badRule = await node.cli("eab", "create", "--name", "*");
    expect(badRule.code).toBe(2);
    expect(badRule.stderr).toMatch(/--name: "\*" is not a name rule/);
    for (const result of [unknown, missing, badRule]) expect(result.stderr).not.toMatch(STACK_FRAME);

    // The offline commands booted and stopped the node like any other boot.
    const types = (await node.db.query<{ event_type: string }>("SELECT event_type FROM es_events ORDER BY position")).map((r) => r.event_type);
    expect(types.filter((t) => t.startsWith("acme.eab."))).toEqual(["acme.eab.key-created", "acme.eab.key-revoked"]);
    expect(types.filter((t) => t === "node.started").length).toBe(types.filter((t) => t === "node.stopped").length);
    await expectSecretNowhere(node, hmacKey);
  }, TIMEOUT);
});

describe("certeasy eab against a running server", () => {
  it("goes through the admin channel, and the key it prints binds an account on the served directory", async () => {
    node = await createInstallation();
    const serving = await node.serve();
    const socket = join(node.workdir, "admin.sock");
    expect((await stat(socket)).mode & 0o777).toBe(0o600);

    const created = ok(await node.cli("eab", "create", "--note", "acme-client"));
    expect(created.stdout).toMatch(/through the running server/);
    const { kid, hmacKey } = credentials(created.stdout);

    acme.axios.defaults.httpsAgent = new https.Agent({ ca: await readFile(node.rootCaPath, "utf8"), lookup: loopback });
    const client = new acme.Client({
      directoryUrl: serving.directoryUrl,
      accountKey: await acme.crypto.createPrivateEcdsaKey(),
      externalAccountBinding: { kid, hmacKey },
    });
    await client.createAccount({ termsOfServiceAgreed: true });
    const accountId = client.getAccountUrl().split("/").pop() ?? "";

    const listed = ok(await node.cli("eab", "list"));
    expect(listed.stdout).toMatch(new RegExp(`^${kid} +\\S+ +bound +${accountId} +any +any +acme-client$`, "m"));
    expect(listed.stdout).not.toContain(hmacKey);
    const revoked = ok(await node.cli("eab", "revoke", kid));
    expect(revoked.stdout).toContain(`The account it bound (${accountId}) stays valid`);
    expect((await node.cli("eab", "revoke", "nosuchkey")).code).toBe(1);

    const exit = await serving.stop("SIGTERM");
    expect(exit.code, serving.stderr()).toBe(0);
    await expect(stat(socket)).rejects.toMatchObject({ code: "ENOENT" });
    const stored = await node.db.query<{ actor: string | null }>(
      "SELECT json_extract(body, '$.meta.actor') AS actor FROM es_events WHERE event_type = 'acme.eab.key-created'",
    );
    expect(stored).toEqual([{ actor: expect.stringMatching(/^operator:/) }]);
    await expectSecretNowhere(node, hmacKey);
  }, TIMEOUT);
});
