/**
 * PostgreSQL backends are separate processes that the pool replaces now and then; the tracker
 * must count the CPU a backend used even when it is gone by the end of the step.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { trackDatabaseCpu } from "./database-cpu.js";

/** A process that spins until it used `cpuMs` of CPU, then exits. */
function cpuBurner(cpuMs: number) {
  const script = `const s = process.cpuUsage(); for (;;) { const u = process.cpuUsage(s); if ((u.user + u.system) / 1000 >= ${cpuMs}) break; }`;
  return spawn(process.execPath, ["-e", script], { stdio: "ignore" });
}

describe("trackDatabaseCpu", () => {
  it("keeps the CPU of a backend that ended during the step", async () => {
    const backend = cpuBurner(1_200);
    await once(backend, "spawn");
    const pid = backend.pid ?? -1;
    const tracker = await trackDatabaseCpu(async () => (backend.exitCode === null ? [pid] : []));
    await once(backend, "exit");
    // 1.2 s of CPU on one thread spans at least three half-second samples: all but the last
    // slice before the exit was seen.
    expect(await tracker.stop()).toBeGreaterThanOrEqual(500);
  });

  it("counts nothing for backends that did no work", async () => {
    // Tracked only once it is up: node's own start-up costs CPU, which is not what is measured.
    const idle = spawn(process.execPath, ["-e", "console.log('up'); setTimeout(() => {}, 30000)"], { stdio: ["ignore", "pipe", "ignore"] });
    await once(idle.stdout, "data");
    try {
      const tracker = await trackDatabaseCpu(async () => [idle.pid ?? -1]);
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await tracker.stop()).toBeLessThan(100);
    } finally {
      idle.kill("SIGKILL");
      await once(idle, "close");
    }
  });
});
