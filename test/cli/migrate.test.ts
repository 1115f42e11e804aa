/**
 * `certeasy migrate` as a DBA uses it: `--sql` shows the script and changes nothing, a plain
 * `migrate` applies it once, and a database migrated by a newer build is refused at boot.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { STACK_FRAME, type Installation } from "../e2e/harness.js";
import { installationsPerTest } from "../e2e/installations.js";

const TIMEOUT = 60_000;
const installation = installationsPerTest();

/** Tables of the SQLite database; none when the file was never created. */
async function tables(node: Installation): Promise<string[]> {
  if (!existsSync(join(node.workdir, "db.sqlite"))) return [];
  const rows = await node.db.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  return rows.map((r) => r.name);
}

describe("certeasy migrate", () => {
  it("--sql prints the script and applies nothing; migrate applies it; a second migrate has nothing to do", async () => {
    const node = await installation();
    const script = await node.cli("migrate", "--sql");
    expect(script.code, script.stderr).toBe(0);
    expect(script.stdout).toMatch(/CREATE TABLE [`"]?es_events/);
    expect(await tables(node)).not.toContain("es_events");

    const applied = await node.cli("migrate");
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/applied/);
    expect(await tables(node)).toEqual(expect.arrayContaining(["es_events", "servers", "node_boots"]));

    const again = await node.cli("migrate");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/nothing to do/);
    const sqlAgain = await node.cli("migrate", "--sql");
    expect(sqlAgain.code, sqlAgain.stderr).toBe(0);
    expect(sqlAgain.stdout).not.toMatch(/CREATE TABLE/);
  }, TIMEOUT);

  it("refuses to start on a database migrated by a newer build, and says so", async () => {
    const node = await installation();
    const applied = await node.cli("migrate");
    expect(applied.code, applied.stderr).toBe(0);
    await node.db.exec(
      "INSERT INTO certeasy_migrations (name, checksum, applied_at) " +
        `VALUES ('29991231235959_from_a_later_build', '${"ab".repeat(32)}', 0)`,
    );

    const serve = await node.cli("serve");
    expect(serve.code, serve.stderr).toBe(1);
    expect(serve.stderr).toMatch(/database is newer than this .*build/i);
    expect(serve.stderr).toContain("29991231235959_from_a_later_build");
    expect(serve.stderr).not.toMatch(STACK_FRAME);
    expect(serve.stdout).not.toMatch(/ACME directory:/);

    const migrate = await node.cli("migrate");
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toMatch(/newer than this .*build/i);
  }, TIMEOUT);

  // Product bug: on a brand-new host whose workdir does not exist yet (serve would create it),
  // every database command fails with "certeasy: unexpected TypeError: Cannot open database
  // because the directory does not exist" — better-sqlite3's error, surfaced as unexpected.
  // src/cli/commands/migrate.ts (and withDatabase in src/cli/context.ts) open the SQLite file
  // without ensureWorkdir(), unlike openNode().
  it("--sql works on a brand-new host whose workdir does not exist yet", async () => {
    const node = await installation({ missingWorkdir: true });
    const script = await node.cli("migrate", "--sql");
    expect(script.stderr).not.toMatch(/unexpected/);
    expect(script.code, script.stderr).toBe(0);
    expect(script.stdout).toMatch(/CREATE TABLE/);
  }, TIMEOUT);
});
