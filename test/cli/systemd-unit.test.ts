/**
 * packaging/systemd/certeasy.service (issue 6): systemd accepts every line of it (`systemd-analyze
 * verify` prints nothing), and it gives a graceful stop the time the defaults allow. Skipped,
 * saying so, where systemd-analyze is not installed (containers, macOS); it is never required.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { DEFAULTS } from "../../src/config/defaults.js";
import { REPO_ROOT } from "../e2e/children.js";

const UNIT = join(REPO_ROOT, "packaging/systemd/certeasy.service");
const analyze = spawnSync("systemd-analyze", ["--version"], { encoding: "utf8" });
const haveAnalyze = analyze.status === 0;
if (!haveAnalyze) console.warn("systemd-analyze not installed — skipping the check of packaging/systemd/certeasy.service");

/** `Key=value` lines of the unit, last one wins (as systemd reads most keys). */
function directives(): Map<string, string> {
  const map = new Map<string, string>();
  for (const line of readFileSync(UNIT, "utf8").split("\n")) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) map.set(m[1], m[2]);
  }
  return map;
}

describe("the systemd unit", () => {
  it.skipIf(!haveAnalyze)("passes systemd-analyze verify without a single warning", () => {
    const result = spawnSync("systemd-analyze", ["verify", UNIT], { encoding: "utf8", cwd: REPO_ROOT });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr.trim()).toBe("");
  });

  it("stops with SIGTERM and waits longer than the server's own shutdown and drain timeouts", () => {
    const unit = directives();
    expect(unit.get("KillSignal")).toBe("SIGTERM");
    const stopSec = Number(/^(\d+)s?$/.exec(unit.get("TimeoutStopSec") ?? "")?.[1]);
    expect(stopSec * 1000).toBeGreaterThan(DEFAULTS.server.shutdownTimeoutMs + DEFAULTS.workers.drainTimeoutMs);
    expect(unit.get("ExecStart")).toMatch(/ serve -f \/etc\/certeasy\/config\.yml$/);
    expect(unit.get("AmbientCapabilities")).toBe("CAP_NET_BIND_SERVICE");
    expect(unit.get("ReadWritePaths")).toBe(unit.get("WorkingDirectory"));
    expect(unit.get("Restart")).toBe("on-failure");
    expect(unit.get("User")).toBe("certeasy");
  });
});
