/**
 * `certeasy init` as a script runs it (stdin not a terminal): the file it writes serves ACME as
 * it is; an existing file is kept unless --force; a bad answer is named by its config key and
 * writes nothing.
 */
import { existsSync } from "node:fs";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort, killLeftoverChildren, runCli, startServe, STACK_FRAME, tempDir } from "../e2e/harness.js";

const TIMEOUT = 150_000;
const dirs: string[] = [];
afterEach(async () => {
  await killLeftoverChildren();
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

async function scratch(): Promise<string> {
  const dir = await tempDir("certeasy-init-");
  dirs.push(dir);
  return dir;
}

describe("certeasy init", () => {
  it("writes a config (0600) that serves ACME on the embedded CA as it is", async () => {
    const dir = await scratch();
    const port = await freePort();
    const config = join(dir, "config.yml");
    const init = await runCli(["init", "-o", config, "--url", `https://localhost:${port}/`]);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout).toContain(`wrote ${config}`);
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    expect(await readFile(config, "utf8")).toContain(`listen: "127.0.0.1:${port}"`);

    const server = await startServe(config, join(dir, ".workdir", "local-ca", "root-ca.pem"));
    expect(server.directoryUrl).toBe(`https://localhost:${port}/acme/directory`);
    expect((await server.stop("SIGTERM")).code).toBe(0);
  }, TIMEOUT);

  it("keeps an existing file unless --force, and names a bad answer's key", async () => {
    const dir = await scratch();
    const config = join(dir, "config.yml");
    await writeFile(config, "# mine\n");
    const kept = await runCli(["init", "-o", config]);
    expect(kept.code).toBe(1);
    expect(kept.stderr).toMatch(/already exists: pass --force/);
    expect(await readFile(config, "utf8")).toBe("# mine\n");

    const badUrl = await runCli(["init", "-o", config, "--force", "--url", "http://acme.example.com/"]);
    expect(badUrl.code).toBe(1);
    expect(badUrl.stderr).toMatch(/server\.url.*https/);
    expect(badUrl.stderr).not.toMatch(STACK_FRAME);
    expect(await readFile(config, "utf8")).toBe("# mine\n");

    const noDsn = await runCli(["init", "-o", join(dir, "pg.yml"), "--database", "postgres"]);
    expect(noDsn.code).toBe(2);
    expect(noDsn.stderr).toMatch(/needs --dsn/);
    expect(existsSync(join(dir, "pg.yml"))).toBe(false);

    const pg = join(dir, "pg.yml");
    const written = await runCli(["init", "-o", pg, "--database", "postgres", "--dsn", "postgres://certeasy:secret@127.0.0.1:5432/certeasy", "--url", "https://acme.example.com/"]);
    expect(written.code, written.stderr).toBe(0);
    const validated = await runCli(["validate", "-f", pg]);
    expect(validated.code, validated.stderr).toBe(0);
    expect(await readFile(pg, "utf8")).toContain('listen: "0.0.0.0:443"');

    const replaced = await runCli(["init", "-o", config, "--force"]);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(await readFile(config, "utf8")).toContain("driver: sqlite");
  }, TIMEOUT);
});
