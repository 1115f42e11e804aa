/**
 * Server CPU per order is read from procfs; if the reading were off (wrong fields, wrong tick
 * rate) every figure of the bench would be. These compare it with node's own accounting.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { sampleCpu, sampleProcesses, sampleThreads } from "./process-cpu.js";

/** Spin until this process has used `ms` more CPU, by node's own count. */
function burnCpu(ms: number): void {
  const start = process.cpuUsage();
  for (;;) {
    const used = process.cpuUsage(start);
    if ((used.user + used.system) / 1000 >= ms) return;
  }
}

describe("sampleCpu", () => {
  it("grows by the CPU the process used (to the 10 ms tick, plus what other threads did)", () => {
    const before = sampleCpu(process.pid);
    burnCpu(300);
    const grew = sampleCpu(process.pid).ms - before.ms;
    expect(grew).toBeGreaterThanOrEqual(280);
    expect(grew).toBeLessThan(1_000);
  });

  it("counts a running child process as a descendant", async () => {
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"], { stdio: "ignore" });
    await once(child, "spawn");
    try {
      expect(sampleCpu(process.pid).descendants).toBeGreaterThanOrEqual(1);
    } finally {
      child.kill("SIGKILL");
      await once(child, "close");
    }
  });

  it("refuses a process that is gone, rather than reading 0", () => {
    expect(() => sampleCpu(2 ** 22 + 1)).toThrow(/is gone/);
  });
});

describe("sampleThreads and sampleProcesses", () => {
  it("put the CPU of the JavaScript thread under main", () => {
    const before = sampleThreads(process.pid).get("main") ?? 0;
    burnCpu(200);
    expect((sampleThreads(process.pid).get("main") ?? 0) - before).toBeGreaterThanOrEqual(180);
  });

  it("read other processes by pid and leave out those that do not exist", () => {
    const sampled = sampleProcesses([process.pid, 2 ** 22 + 1]);
    expect([...sampled.keys()]).toEqual([process.pid]);
  });
});
