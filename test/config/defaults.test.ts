/**
 * Defaults applied by the loader (behaviour reference §4.1, since 0.9.4): a partial section
 * keeps every key it does not mention at its default, and the result is the typed, camelCase
 * `CerteasyConfig` with anchors resolved.
 */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { MINIMAL } from "./helpers.js";

const load = (text: string, file = "/etc/certeasy/config.yml") => parseConfigText(text, file);

describe("a minimal config", () => {
  const config = load(MINIMAL);

  it("gets every server default", () => {
    expect(config.server).toEqual({
      urls: [new URL("https://acme.example.test/")],
      listen: { host: "0.0.0.0", port: 8443 },
      readHeaderTimeoutMs: 5_000,
      readTimeoutMs: 10_000,
      writeTimeoutMs: 30_000,
      idleTimeoutMs: 60_000,
      maxBodyBytes: 1_048_576,
      shutdownTimeoutMs: 30_000,
      remoteIpHeader: null,
      trustedProxies: [],
    });
  });

  it("uses SQLite in the workdir", () => {
    expect(config.database).toEqual({
      driver: "sqlite",
      path: "/srv/certeasy/db.sqlite",
      pingTimeoutMs: 10_000,
      maxConn: 10,
      maxIdleConn: 2,
      connMaxLifetimeMs: null,
      connMaxIdleTimeMs: null,
      noDdl: false,
    });
  });

  it("logs JSON at info to stderr, audits to the workdir, drains for 30s", () => {
    expect(config.logs).toEqual({ level: "info", format: "json", output: { kind: "stderr" }, services: {}, tags: {} });
    expect(config.audit).toEqual({ enabled: true, path: "/srv/certeasy/audit.log" });
    expect(config.workers).toEqual({ drainTimeoutMs: 30_000 });
    expect(config.workdir).toBe("/srv/certeasy");
    expect(config.file).toBe("/etc/certeasy/config.yml");
  });
});

describe("partial sections", () => {
  it("keep the other server keys at their defaults", () => {
    const { server } = load(`${MINIMAL}  read-timeout: 2m\n  listen: "[::1]:9443"\n`);
    expect(server.readTimeoutMs).toBe(120_000);
    expect(server.listen).toEqual({ host: "::1", port: 9443 });
    expect(server.writeTimeoutMs).toBe(30_000);
    expect(server.shutdownTimeoutMs).toBe(30_000);
    expect(server.maxBodyBytes).toBe(1_048_576);
  });

  it("treat an empty section as all defaults", () => {
    const config = load(`${MINIMAL}audit:\nlogs:\nworkers:\n`);
    expect(config.audit).toEqual({ enabled: true, path: "/srv/certeasy/audit.log" });
    expect(config.logs.level).toBe("info");
    expect(config.workers.drainTimeoutMs).toBe(30_000);
  });

  it("keep audit on when only its path is given, and read path \"\" as the default", () => {
    expect(load(`${MINIMAL}audit:\n  path: "%WORKDIR%/logs/audit.log"\n`).audit).toEqual({
      enabled: true,
      path: "/srv/certeasy/logs/audit.log",
    });
    expect(load(`${MINIMAL}audit:\n  path: ""\n`).audit.path).toBe("/srv/certeasy/audit.log");
  });

  it("give postgres its own pool defaults", () => {
    const { database } = load(`${MINIMAL}database:\n  driver: postgres\n  dsn: postgres://u:p@127.0.0.1/certeasy\n`);
    expect(database).toEqual({
      driver: "postgres",
      dsn: "postgres://u:p@127.0.0.1/certeasy",
      pingTimeoutMs: 10_000,
      maxConn: 10,
      maxIdleConn: 5,
      connMaxLifetimeMs: 120_000,
      connMaxIdleTimeMs: 60_000,
      noDdl: false,
    });
  });
});

describe("normalisation", () => {
  it("resolves %CONFIGDIR% against the config file's folder and %WORKDIR% against workdir", () => {
    const config = load(
      `workdir: "%CONFIGDIR%/state"\nserver:\n  url:\n    - https://acme.example.test/\ndatabase:\n  path: "%WORKDIR%/data/ca.sqlite"\n`,
      "/opt/certeasy/etc/config.yml",
    );
    expect(config.workdir).toBe("/opt/certeasy/etc/state");
    expect(config.database.driver === "sqlite" && config.database.path).toBe("/opt/certeasy/etc/state/data/ca.sqlite");
  });

  it("reads 0 as 'disabled' for connection recycling and caps idle connections at max-conn", () => {
    const { database } = load(
      `${MINIMAL}database:\n  driver: sqlserver\n  dsn: sqlserver://db;database=certeasy\n  conn-max-lifetime: 0\n  conn-max-idle-time: 90s\n  max-conn: 3\n  max-idle-conn: 8\n`,
    );
    expect(database.connMaxLifetimeMs).toBeNull();
    expect(database.connMaxIdleTimeMs).toBe(90_000);
    expect(database.maxIdleConn).toBe(3);
  });

  it("maps log levels, services, tags and the file output", () => {
    const { logs } = load(
      `${MINIMAL}logs:\n  level: none\n  format: text\n  output: file\n  file: "%WORKDIR%/logs/certeasy.log"\n  services:\n    acme-server: debug\n    DB-Driver: off\n  tags:\n    site: paris\n    rack: 12\n`,
    );
    expect(logs).toEqual({
      level: "off",
      format: "text",
      output: { kind: "file", path: "/srv/certeasy/logs/certeasy.log" },
      services: { "acme-server": "debug", "DB-Driver": "off" },
      tags: { site: "paris", rack: "12" },
    });
  });

  it("parses trusted proxies into CIDRs, a bare address standing for one host", () => {
    const { server } = load(`${MINIMAL}  remote-ip-header: X-Forwarded-For\n  trusted-proxies:\n    - 10.0.0.0/8\n    - 2001:db8::1\n`);
    expect(server.remoteIpHeader).toBe("X-Forwarded-For");
    expect(server.trustedProxies).toEqual([
      { address: "10.0.0.0", prefixLength: 8, family: "ipv4" },
      { address: "2001:db8::1", prefixLength: 128, family: "ipv6" },
    ]);
  });

  it("keeps several public URLs in order", () => {
    const { server } = load(`workdir: /srv/certeasy\nserver:\n  url:\n    - https://acme.example.test/\n    - https://acme-alt.example.test:8443/acme/\n`);
    expect(server.urls.map((url) => url.href)).toEqual(["https://acme.example.test/", "https://acme-alt.example.test:8443/acme/"]);
  });

  it("accepts shutdown-timeout equal to drain-timeout", () => {
    const config = load(`${MINIMAL}  shutdown-timeout: 1m\nworkers:\n  drain-timeout: 60s\n`);
    expect(config.server.shutdownTimeoutMs).toBe(60_000);
    expect(config.workers.drainTimeoutMs).toBe(60_000);
  });
});
