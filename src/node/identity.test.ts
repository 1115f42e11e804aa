import { mkdtemp, readFile, stat, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadOrCreateServerId, NodeIdentityError } from "./identity.js";

describe("server_id", () => {
  it("is created once as a private UUID v4 and read back on later boots", async () => {
    const dir = await mkdtemp(join(tmpdir(), "certeasy-id-"));
    const first = await loadOrCreateServerId(dir);
    expect(first.created).toBe(true);
    expect(first.serverId).toMatch(/^[0-9a-f-]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await stat(first.path)).mode & 0o777).toBe(0o600);
    const again = await loadOrCreateServerId(dir);
    expect(again).toEqual({ ...first, created: false });
    expect((await readFile(first.path, "utf8")).trim()).toBe(first.serverId);
  });

  it("tightens loosened permissions and refuses a file that is not a UUID v4", async () => {
    const dir = await mkdtemp(join(tmpdir(), "certeasy-id-"));
    const { path } = await loadOrCreateServerId(dir);
    await chmod(path, 0o644);
    await loadOrCreateServerId(dir);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await writeFile(path, "not-a-uuid\n");
    await expect(loadOrCreateServerId(dir)).rejects.toThrow(NodeIdentityError);
    await expect(loadOrCreateServerId(dir)).rejects.toThrow(/server_id.*not-a-uuid/);
  });
});
