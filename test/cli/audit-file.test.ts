/**
 * The audit file at boot (DESIGN invariant 7), as the operator meets it: another node's file is
 * refused with both identities named and nothing written; an edited line is refused and named;
 * a torn last line (a crash mid-write) is repaired, said so, and verifies afterwards.
 */
import { appendFile, copyFile, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { bootAndStop, STACK_FRAME, type Installation } from "../e2e/harness.js";
import { installationsPerTest } from "../e2e/installations.js";

const TIMEOUT = 90_000;
const installation = installationsPerTest();

/** What the database holds that a refused boot must not change. */
async function snapshot(node: Installation): Promise<{ events: unknown; servers: unknown; boots: unknown }> {
  return {
    events: await node.db.query("SELECT position, hash FROM es_events ORDER BY position"),
    servers: await node.db.query("SELECT * FROM servers ORDER BY server_id"),
    boots: await node.db.query("SELECT * FROM node_boots ORDER BY boot_id"),
  };
}

/** Replace the character at `index` with another hex digit (the line stays well-formed JSON). */
function flipHexDigit(text: string, index: number): string {
  const c = text[index];
  if (c === undefined || !/[0-9a-f]/.test(c)) throw new Error(`no hex digit at ${index} of ${text}`);
  return `${text.slice(0, index)}${c === "0" ? "1" : "0"}${text.slice(index + 1)}`;
}

describe("audit file at boot", () => {
  it("refuses a file another node wrote: exit 1, both server ids named, nothing written", async () => {
    const other = await installation();
    const node = await installation();
    await bootAndStop(other);
    await bootAndStop(node);
    const before = await snapshot(node);

    // Someone copied another node's workdir content over this one: the file is intact, but foreign.
    await copyFile(other.auditPath, node.auditPath);
    const refused = await node.cli("serve");
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain(await other.serverId());
    expect(refused.stderr).toContain(await node.serverId());
    expect(refused.stderr).not.toMatch(STACK_FRAME);
    expect(refused.stdout).not.toMatch(/ACME directory:/);
    expect(await snapshot(node)).toEqual(before);
  }, TIMEOUT);

  it("refuses a file whose middle line was edited, and audit verify names the line", async () => {
    const node = await installation();
    await bootAndStop(node);
    const lines = await node.auditLines();
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const second = lines[1] ?? "";
    lines[1] = flipHexDigit(second, second.indexOf('"event_hash":"') + '"event_hash":"'.length + 10);
    await writeFile(node.auditPath, `${lines.join("\n")}\n`);
    const before = await snapshot(node);

    const refused = await node.cli("serve");
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toMatch(/line 2\b/);
    expect(refused.stderr).toContain(node.auditPath);
    expect(refused.stderr).not.toMatch(STACK_FRAME);
    expect(await snapshot(node)).toEqual(before);

    const verify = await node.cli("audit", "verify");
    expect(verify.code).toBe(1);
    expect(verify.stderr).toMatch(/line 2\b/);
  }, TIMEOUT);

  it("repairs a torn last line, says so, and the file verifies afterwards", async () => {
    const node = await installation();
    await bootAndStop(node);
    await appendFile(node.auditPath, '{"seq":');

    const torn = await node.cli("audit", "verify");
    expect(torn.code).toBe(1);
    expect(torn.stderr).toMatch(/torn-tail/);

    const server = await node.serve();
    await server.waitForLog(/torn/i);
    expect((await server.stop("SIGTERM")).code).toBe(0);

    const lines = (await node.auditLines()).map((l) => JSON.parse(l) as { kind: string });
    expect(lines.map((l) => l.kind)).toContain("repair");
    const verify = await node.cli("audit", "verify");
    expect(verify.code, verify.stderr).toBe(0);
  }, TIMEOUT);

  it("refuses a second process on the same workdir while the first serves, and takes over after a SIGKILL", async () => {
    const node = await installation();
    const first = await node.serve();
    const second = await node.cli("serve");
    expect(second.code, second.stderr).toBe(1);
    expect(second.stderr).toMatch(/is in use by another Certeasy process \(pid \d+/);
    expect(second.stderr).not.toMatch(STACK_FRAME);

    expect((await first.stop("SIGKILL")).signal).toBe("SIGKILL");
    const after = await node.serve();
    expect((await after.stop("SIGTERM")).code).toBe(0);
    const verify = await node.cli("audit", "verify");
    expect(verify.code, verify.stderr).toBe(0);
  }, TIMEOUT);
});
