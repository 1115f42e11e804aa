/**
 * The profile summary is what the lead reads to decide where to optimise, so its arithmetic must
 * hold: self time per function and file, idle left out, the load-step window respected, and time
 * spent in a library charged to the Certeasy function that called it.
 */
import { describe, expect, it } from "vitest";
import { summariseProfiles, type CpuProfile } from "./cpu-profile.js";

const ROOT = "/repo";
const frame = (functionName: string, url: string, lineNumber = 0) => ({ functionName, url, lineNumber });

/**
 * root ─┬─ (idle)
 *       ├─ handle (src/http/app.ts) ── prepare (node_modules/better-sqlite3/lib/wrappers.js:4)
 *       └─ (garbage collector)
 */
const profile: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame("(root)", ""), children: [2, 3, 5] },
    { id: 2, callFrame: frame("(idle)", "") },
    { id: 3, callFrame: frame("handle", "file:///repo/src/http/app.ts"), children: [4] },
    { id: 4, callFrame: frame("prepare", "file:///repo/node_modules/better-sqlite3/lib/wrappers.js", 3) },
    { id: 5, callFrame: frame("(garbage collector)", "") },
  ],
  startTime: 1_000_000,
  endTime: 1_000_700,
  // samples at 1_000_000, +100, +200 … each standing for the 100 µs until the next one
  samples: [2, 3, 4, 4, 5, 2, 4, 4],
  timeDeltas: [0, 100, 100, 100, 100, 100, 100, 100],
};

describe("summariseProfiles", () => {
  it("adds up self time per function and per file, idle apart", () => {
    const summary = summariseProfiles([profile], ROOT);
    expect(summary.idleMs).toBeCloseTo(0.2);
    // the last sample has no successor: it stands for no time
    expect(summary.busyMs).toBeCloseTo(0.5);
    expect(summary.functions[0]).toMatchObject({ name: "prepare  node_modules/better-sqlite3/lib/wrappers.js:4", ms: 0.3 });
    expect(summary.files.map((f) => f.name)).toEqual(["node_modules/better-sqlite3", "src/http/app.ts", "(garbage collector)"]);
    expect(summary.files[0]?.share).toBeCloseTo(0.6);
  });

  it("charges library time to the innermost Certeasy function on the stack", () => {
    const summary = summariseProfiles([profile], ROOT);
    expect(summary.ownCode).toEqual([{ name: "handle  src/http/app.ts", ms: 0.4, share: 0.8 }]);
  });

  it("counts only the samples inside the window when it overlaps the profile", () => {
    const summary = summariseProfiles([profile], ROOT, { fromUs: 1_000_150, toUs: 1_000_350 });
    expect(summary.windowApplied).toBe(true);
    expect(summary.busyMs).toBeCloseTo(0.2);
    expect(summary.functions.map((f) => f.name)).toEqual(["prepare  node_modules/better-sqlite3/lib/wrappers.js:4"]);
  });

  it("says so, and summarises everything, when the window misses the profile", () => {
    const summary = summariseProfiles([profile], ROOT, { fromUs: 5, toUs: 10 });
    expect(summary.windowApplied).toBe(false);
    expect(summary.busyMs).toBeCloseTo(0.5);
  });

  it("merges the profiles of several threads", () => {
    expect(summariseProfiles([profile, profile], ROOT).busyMs).toBeCloseTo(1.0);
  });
});
