/**
 * `certeasy backup create|verify` as an operator uses them (reference §5, §6): a backup taken
 * while the server runs verifies and holds every event; an existing file is never overwritten;
 * a damaged or tampered backup is refused with the reason; a copy that fails its check is not
 * kept unless asked (exit 2); PostgreSQL is pointed to pg_dump.
 */
import { existsSync } from "node:fs";
import { copyFile, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { bootAndStop, runCli, STACK_FRAME, tempDir } from "../e2e/harness.js";
import { installationsPerTest } from "../e2e/installations.js";
import { tamperEventBody } from "../support/event-log-tamper.js";

const TIMEOUT = 180_000;
const installation = installationsPerTest();

const positions = (path: string): number[] => {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT position FROM es_events ORDER BY position").all() as { position: number }[]).map((r) => r.position);
  } finally {
    db.close();
  }
};

describe("certeasy backup", () => {
  it("backs up a running server's database; the backup verifies and holds every event; no overwrite", async () => {
    const node = await installation();
    const server = await node.serve();
    const output = join(node.workdir, "backup-1.sqlite");
    try {
      const created = await node.cli("backup", "create", "--output", output, "--check", "full");
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/written to .*backup-1\.sqlite .*full check ok/);
      expect((await stat(output)).mode & 0o777).toBe(0o600);

      const live = await node.db.query<{ position: number }>("SELECT position FROM es_events ORDER BY position");
      expect(live.length).toBeGreaterThan(0);
      expect(positions(output)).toEqual(live.map((r) => r.position));

      const again = await node.cli("backup", "create", "--output", output);
      expect(again.code).toBe(1);
      expect(again.stderr).toMatch(/already exists/);
      expect(positions(output)).toEqual(live.map((r) => r.position));
    } finally {
      expect((await server.stop("SIGTERM")).code).toBe(0);
    }

    const verified = await runCli(["backup", "verify", "--input", output, "--schema"]);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/event log: \d+ events, chain intact/);
    expect(verified.stdout).toMatch(/schema current with this build/);
    expect(verified.stdout).toMatch(/OK — full integrity check passed, schema present/);
  }, TIMEOUT);

  it("verify refuses a backup whose pages are damaged, and one whose event log was edited", async () => {
    const node = await installation();
    await bootAndStop(node);
    const good = join(node.workdir, "good.sqlite");
    expect((await node.cli("backup", "create", "--output", good)).code).toBe(0);

    const edited = join(node.workdir, "edited.sqlite");
    await copyFile(good, edited);
    await tamperEventBody(edited, 2);
    const chain = await runCli(["backup", "verify", "--input", edited]);
    expect(chain.code).toBe(1);
    expect(chain.stderr).toMatch(/event log: position 2: the body does not hash/);
    expect(chain.stderr).not.toMatch(STACK_FRAME);

    // Overwrite the second half of the file: pages SQLite's checks must notice.
    const damaged = join(node.workdir, "damaged.sqlite");
    const bytes = await readFile(good);
    bytes.fill(0x5a, Math.floor(bytes.length / 2));
    await writeFile(damaged, bytes);
    const pages = await runCli(["backup", "verify", "--input", damaged, "--check", "quick"]);
    expect(pages.code).toBe(1);
    expect(pages.stderr).toMatch(/quick_check|malformed|not an SQLite database/);
    expect(pages.stderr).not.toMatch(STACK_FRAME);

    const notDb = join(node.workdir, "config-copy.sqlite");
    await copyFile(node.configPath, notDb);
    const text = await runCli(["backup", "verify", "--input", notDb]);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/is not an SQLite database/);

    const missing = await runCli(["backup", "verify", "--input", join(node.workdir, "nope.sqlite")]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no file at/);
  }, TIMEOUT);

  it("a copy that fails its full check is not kept (exit 1), or kept with --allow-incomplete (exit 2)", async () => {
    const node = await installation();
    await bootAndStop(node);
    await tamperEventBody(join(node.workdir, "db.sqlite"), 1);

    const refused = join(node.workdir, "refused.sqlite");
    const noBackup = await node.cli("backup", "create", "--output", refused, "--check", "full");
    expect(noBackup.code).toBe(1);
    expect(noBackup.stderr).toMatch(/position 1: the body does not hash/);
    expect(noBackup.stderr).toMatch(/no backup written/);
    expect(existsSync(refused)).toBe(false);

    const kept = join(node.workdir, "kept.sqlite");
    const incomplete = await node.cli("backup", "create", "--output", kept, "--check", "full", "--allow-incomplete");
    expect(incomplete.code).toBe(2);
    expect(incomplete.stdout).toMatch(/full check FAILED/);
    expect(existsSync(kept)).toBe(true);

    // quick_check looks at pages only: the same copy passes it.
    const quick = await node.cli("backup", "create", "--output", join(node.workdir, "quick.sqlite"));
    expect(quick.code, quick.stderr).toBe(0);
  }, TIMEOUT);

  it("the restore procedure of docs/operations.md: the node serves the backup's history, and both verifies pass", async () => {
    const node = await installation();
    await bootAndStop(node);
    const backup = join(node.workdir, "backup.sqlite");
    expect((await node.cli("backup", "create", "--output", backup)).code).toBe(0);
    const backedUp = positions(backup);
    await bootAndStop(node); // history the restore will lose

    const checked = await runCli(["backup", "verify", "--input", backup, "--schema"]);
    expect(checked.code, checked.stderr).toBe(0);
    await rename(node.auditPath, `${node.auditPath}.before-restore`);
    await rm(join(node.workdir, "db.sqlite-wal"), { force: true });
    await rm(join(node.workdir, "db.sqlite-shm"), { force: true });
    await copyFile(backup, join(node.workdir, "db.sqlite"));
    await bootAndStop(node);

    const restored = positions(join(node.workdir, "db.sqlite"));
    expect(restored.slice(0, backedUp.length)).toEqual(backedUp);
    expect(restored.length).toBe(backedUp.length + 2); // this boot's node.started and node.stopped
    const events = await node.cli("events", "verify");
    expect(events.code, events.stderr).toBe(0);
    const audit = await node.cli("audit", "verify");
    expect(audit.code, audit.stderr).toBe(0);
  }, TIMEOUT);

  it("refuses PostgreSQL and names pg_dump, without connecting", async () => {
    const dir = await tempDir();
    const config = join(dir, "config.yml");
    await writeFile(
      config,
      [
        `workdir: ${JSON.stringify(dir)}`,
        "server:",
        "  url:",
        "    - https://localhost:8443/",
        "database:",
        "  driver: postgres",
        // Port 1 on loopback: nothing listens there, and nothing must try.
        "  dsn: postgres://postgres@127.0.0.1:1/certeasy",
        "",
      ].join("\n"),
    );
    const result = await runCli(["backup", "create", "--output", join(dir, "b.sqlite"), "-f", config]).finally(() =>
      rm(dir, { recursive: true, force: true }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/SQLite only.*postgres.*pg_dump/);
    expect(result.stderr).not.toMatch(/cannot reach/);
  }, TIMEOUT);
});
