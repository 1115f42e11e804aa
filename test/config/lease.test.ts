/** The `lease` section (DESIGN §2 invariant 8): defaults, durations, and the refusals that name the key. */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { MINIMAL, errorLines } from "./helpers.js";

const lease = (keys: string) => parseConfigText(`${MINIMAL}lease:\n${keys}`, "config.yml").lease;

describe("lease", () => {
  it("defaults to a 6s TTL renewed every 2s, no standby", () => {
    expect(parseConfigText(MINIMAL, "config.yml").lease).toEqual({ ttlMs: 6_000, renewIntervalMs: 2_000, standby: false });
    expect(lease("")).toEqual({ ttlMs: 6_000, renewIntervalMs: 2_000, standby: false });
  });

  it("reads both durations and standby", () => {
    expect(lease("  ttl: 30s\n  renew-interval: 5s\n  standby: true\n")).toEqual({ ttlMs: 30_000, renewIntervalMs: 5_000, standby: true });
  });

  it("refuses a standby on an SQLite file on a network share, naming lease.standby (SQLite is single-host)", () => {
    // (a Windows `\\filer\share` path is refused on POSIX already as a relative path)
    for (const share of ["//filer/certeasy/db.sqlite", "//10.0.0.5/share/certeasy/db.sqlite"]) {
      const text = `${MINIMAL}database:\n  driver: sqlite\n  path: '${share}'\nlease:\n  standby: true\n`;
      expect(errorLines(text)).toEqual([
        `config.yml: lease.standby: expected false with database.driver sqlite on a network share (database.path ${share}): SQLite serves one host only; use PostgreSQL or SQL Server for a standby on another host`,
      ]);
      // The same file for a single node is not multi-host: accepted.
      expect(parseConfigText(`${MINIMAL}database:\n  driver: sqlite\n  path: '${share}'\n`, "config.yml").lease.standby).toBe(false);
    }
    // A standby on a local file (a second process on the same host) is accepted.
    expect(lease("  standby: true\n").standby).toBe(true);
  });

  it("refuses a renew-interval of half the TTL or more, naming the key", () => {
    expect(errorLines(`${MINIMAL}lease:\n  ttl: 4s\n  renew-interval: 2s\n`)).toEqual([
      "config.yml: lease.renew-interval: expected less than half of lease.ttl (4s), got 2s",
    ]);
    expect(errorLines(`${MINIMAL}lease:\n  renew-interval: 6s\n`)).toEqual([
      "config.yml: lease.renew-interval: expected less than half of lease.ttl (6s), got 6s",
    ]);
  });

  it("refuses a zero TTL and an unknown key", () => {
    expect(errorLines(`${MINIMAL}lease:\n  ttl: 0\n`)[0]).toMatch(/^config\.yml: lease\.ttl: .*an explicit 0 is refused/);
    expect(errorLines(`${MINIMAL}lease:\n  ttl-seconds: 10\n`)[0]).toMatch(/^config\.yml: lease\.ttl-seconds: unknown key/);
  });
});
