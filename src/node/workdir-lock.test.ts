import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { lockWorkdir, WorkdirLockedError } from "./workdir-lock.js";

describe("workdir lock", () => {
  it("refuses a second holder while the first lives, and is free again once released", async () => {
    const dir = await mkdtemp(join(tmpdir(), "certeasy-lock-"));
    const lock = await lockWorkdir(dir);
    expect(JSON.parse(await readFile(lock.path, "utf8"))).toMatchObject({ pid: process.pid });
    await expect(lockWorkdir(dir)).rejects.toBeInstanceOf(WorkdirLockedError);
    await expect(lockWorkdir(dir)).rejects.toThrow(new RegExp(`pid ${process.pid}`));
    await lock.release();
    const again = await lockWorkdir(dir);
    expect(again.tookOverFrom).toBeNull();
    await again.release();
  });

  it("takes over the lock of a process that died without releasing it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "certeasy-lock-"));
    const child = spawn(process.execPath, ["-e", ""]);
    const deadPid = child.pid ?? -1;
    await new Promise((r) => child.once("exit", r));
    await writeFile(join(dir, "certeasy.lock"), JSON.stringify({ pid: deadPid, hostname: (await import("node:os")).hostname(), since: "x" }));
    const lock = await lockWorkdir(dir);
    expect(lock.tookOverFrom).toBe(deadPid);
    await lock.release();
  });
});
