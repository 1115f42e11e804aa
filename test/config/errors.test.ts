/**
 * Broken configs of every kind: each must fail with a ConfigError whose lines name the file,
 * the key path and what was expected (DESIGN §2 invariant 10).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { loadConfig } from "../../src/config/load.js";
import { MINIMAL, configError, errorLines } from "./helpers.js";

const withServer = (serverKeys: string): string => `${MINIMAL}${serverKeys}`;

describe("ConfigError", () => {
  it("is a typed error listing file, path and message for each issue", () => {
    const error = configError(withServer("  listen: abc\n"));
    expect(error.name).toBe("ConfigError");
    expect(error.issues).toEqual([{ file: "config.yml", path: "server.listen", message: 'expected host:port, got "abc"' }]);
    expect(error.message).toBe('config.yml: server.listen: expected host:port, got "abc"');
  });

  it("reports every issue of the file at once, one line each", () => {
    const lines = errorLines(`workdir: relative/dir
server:
  url:
    - http://acme.example.test/
  read-timeout: 0
database:
  max-conn: ten
`);
    expect(lines).toEqual([
      'config.yml: workdir: expected an absolute path or one starting with %CONFIGDIR%/, got relative path "relative/dir"',
      "config.yml: server.url.0: expected an https URL such as https://acme.example.com/, got a URL with scheme http",
      "config.yml: server.read-timeout: expected a duration such as 500ms, 30s, 2m or 720h, got 0 (an explicit 0 is refused: it would remove the deadline)",
      'config.yml: database.max-conn: expected a whole number of connections of at least 1, got "ten"',
    ]);
  });
});

describe("YAML text", () => {
  it("names the line and column of a syntax error", () => {
    const error = configError(`workdir: /srv/certeasy\nserver:\n  url:\n    - "https://acme.example.test/\n`);
    expect(error.issues[0]?.line).toBeGreaterThan(0);
    expect(error.message).toMatch(/^config\.yml: line \d+, column \d+: invalid YAML: /);
  });

  it("refuses a flow sequence with the product's message", () => {
    const lines = errorLines(`workdir: /srv/certeasy\nserver:\n  url: [https://a.example.test/, https://b.example.test/]\n`);
    expect(lines).toEqual([
      "config.yml: server.url: expected sequence (use '-' items), got flow sequence [https://a.example.test/, https://b.example.test/] at line 3",
    ]);
  });

  it("refuses an empty flow sequence too", () => {
    expect(errorLines(withServer("  trusted-proxies: []\n"))[0]).toBe(
      "config.yml: server.trusted-proxies: expected sequence (use '-' items), got flow sequence [] at line 5",
    );
  });

  it("refuses a key written twice", () => {
    const lines = errorLines(`${MINIMAL}  listen: 127.0.0.1:1\n  listen: 127.0.0.1:2\n`);
    expect(lines).toEqual(["config.yml: server.listen: duplicate key (first at line 5); expected each key once"]);
  });

  it("reports a missing or unreadable file as a ConfigError", () => {
    expect(() => loadConfig("/nonexistent/certeasy/config.yml")).toThrow(
      new ConfigError([{ file: "/nonexistent/certeasy/config.yml", path: "", message: "cannot read the configuration file (no such file)" }]),
    );
  });
});

describe("unknown keys", () => {
  it("refuses an unknown top-level key, listing the known sections", () => {
    expect(errorLines(`${MINIMAL}servr:\n  listen: 127.0.0.1:8443\n`)).toEqual([
      "config.yml: servr: unknown key; expected one of: workdir, server, database, logs, audit, workers, lease, acme, renewal-info, rate-limiting, license, dns-validation-profiles, issuance-policies, authorities, policy-bindings, tls-certificate-manager",
    ]);
  });

  it("refuses an unknown nested key, listing the keys of that section", () => {
    const [line] = errorLines(withServer("  read_timeout: 10s\n"));
    expect(line).toMatch(/^config\.yml: server\.read_timeout: unknown key; expected one of: url, listen, read-header-timeout, /);
  });

  it("says a key of a later step is not supported yet", () => {
    expect(errorLines(`${MINIMAL}logs:\n  rotate: true\n`)).toEqual([
      'config.yml: logs.rotate: key "logs.rotate" is not supported by this version of Certeasy yet; remove it for now',
    ]);
  });

  it("says a worker key of a later step is not supported yet", () => {
    expect(errorLines(`${MINIMAL}workers:\n  lease: 30s\n`)).toEqual([
      'config.yml: workers.lease: key "workers.lease" is not supported by this version of Certeasy yet; remove it for now',
    ]);
  });
});

describe("values", () => {
  it("refuses a wrong type, saying what was found", () => {
    expect(errorLines(`${MINIMAL}audit:\n  enabled: "yes"\n`)).toEqual([
      'config.yml: audit.enabled: expected true or false, got "yes"',
    ]);
  });

  it("refuses a config without server.url", () => {
    expect(errorLines("workdir: /srv/certeasy\nserver:\n  listen: 127.0.0.1:8443\n")).toEqual([
      "config.yml: server.url: expected a list of https URLs (use '-' items), got nothing (the key is missing)",
    ]);
  });

  it("refuses a URL with credentials without repeating them", () => {
    const error = configError("workdir: /srv/certeasy\nserver:\n  url:\n    - https://admin:s3cret@acme.example.test/\n");
    expect(error.message).toBe(
      "config.yml: server.url.0: expected an https URL such as https://acme.example.com/, got a URL with a user name or password",
    );
  });

  it("refuses a config without workdir", () => {
    expect(errorLines("server:\n  url:\n    - https://acme.example.test/\n")).toEqual([
      "config.yml: workdir: expected an absolute path or one starting with %CONFIGDIR%/, got nothing (the key is missing)",
    ]);
  });

  it("refuses a relative path, naming the key", () => {
    expect(errorLines(`${MINIMAL}database:\n  path: data/db.sqlite\n`)).toEqual([
      'config.yml: database.path: expected an absolute path or one starting with %WORKDIR%/, got relative path "data/db.sqlite"',
    ]);
  });

  it("refuses %CONFIGDIR% outside workdir and %WORKDIR% inside it", () => {
    expect(errorLines(`${MINIMAL}audit:\n  path: "%CONFIGDIR%/audit.log"\n`)[0]).toMatch(
      /^config\.yml: audit\.path: %CONFIGDIR% cannot be used here/,
    );
    expect(errorLines(MINIMAL.replace("/srv/certeasy", '"%WORKDIR%/x"'))[0]).toMatch(/^config\.yml: workdir: %WORKDIR% cannot be used here/);
  });

  it("refuses an explicit zero on server timeouts and max-body-bytes", () => {
    expect(errorLines(withServer("  write-timeout: 0s\n  max-body-bytes: 0\n"))).toEqual([
      'config.yml: server.write-timeout: expected a duration such as 500ms, 30s, 2m or 720h, got "0s" (an explicit 0 is refused: it would remove the deadline)',
      "config.yml: server.max-body-bytes: expected a whole number of bytes of at least 1, got 0 (an explicit 0 is refused: it would remove the request size limit)",
    ]);
  });

  it("refuses a duration without a unit", () => {
    expect(errorLines(withServer("  idle-timeout: 60\n"))).toEqual([
      "config.yml: server.idle-timeout: expected a duration such as 500ms, 30s, 2m or 720h (a number needs a unit), got 60",
    ]);
  });

  it("refuses a shutdown-timeout above workers.drain-timeout", () => {
    expect(errorLines(`${withServer("  shutdown-timeout: 45s\n")}workers:\n  drain-timeout: 40s\n`)).toEqual([
      "config.yml: server.shutdown-timeout: expected at most workers.drain-timeout (40s), got 45s",
    ]);
  });

  it("refuses a read-header-timeout above read-timeout", () => {
    expect(errorLines(withServer("  read-header-timeout: 20s\n"))).toEqual([
      "config.yml: server.read-header-timeout: expected at most server.read-timeout (10s), got 20s",
    ]);
  });

  it("refuses bad trusted proxies and header names", () => {
    expect(errorLines(withServer("  remote-ip-header: X Forwarded\n  trusted-proxies:\n    - 10.0.0.0/33\n"))).toEqual([
      'config.yml: server.remote-ip-header: expected an HTTP header name such as X-Forwarded-For, got "X Forwarded"',
      'config.yml: server.trusted-proxies.0: expected a CIDR such as 10.0.0.0/8, or an IP address, got "10.0.0.0/33"',
    ]);
  });
});

describe("database", () => {
  it("refuses a dsn with sqlite", () => {
    expect(errorLines(`${MINIMAL}database:\n  dsn: postgres://u:p@db/certeasy\n`)).toEqual([
      "config.yml: database.dsn: expected no dsn with driver sqlite (use database.path), got a dsn",
    ]);
  });

  it("requires a dsn with postgres and sqlserver", () => {
    for (const driver of ["postgres", "sqlserver"]) {
      expect(errorLines(`${MINIMAL}database:\n  driver: ${driver}\n`)).toEqual([
        `config.yml: database.dsn: expected a connection string for driver ${driver}, got nothing (the key is missing)`,
      ]);
    }
  });

  it("refuses an unexpanded ${VAR} placeholder without echoing the DSN", () => {
    const error = configError(`${MINIMAL}database:\n  driver: postgres\n  dsn: "postgres://certeasy:\${POSTGRES_PASSWORD}@db/certeasy"\n`);
    expect(error.message).toBe(
      "config.yml: database.dsn: expected a connection string with its values written out (Certeasy does not expand environment variables), got a ${...} placeholder",
    );
    expect(error.message).not.toContain("POSTGRES_PASSWORD");
  });

  it("refuses an unknown driver", () => {
    expect(errorLines(`${MINIMAL}database:\n  driver: mysql\n`)).toEqual([
      'config.yml: database.driver: expected one of sqlite, postgres, sqlserver, got "mysql"',
    ]);
  });
});

describe("logs", () => {
  it("refuses an unknown service name, listing the registered ones", () => {
    const [line] = errorLines(`${MINIMAL}logs:\n  services:\n    Certeasy-acme-server: debug\n`);
    expect(line).toMatch(/^config\.yml: logs\.services\.Certeasy-acme-server: unknown service; expected one of: DB-Driver, acme-server, /);
  });

  it("refuses a bad per-service level", () => {
    expect(errorLines(`${MINIMAL}logs:\n  services:\n    acme-server: verbose\n`)).toEqual([
      'config.yml: logs.services.acme-server: expected one of debug, info, warn, error, off, none, got "verbose"',
    ]);
  });

  it("requires logs.file with output file, and refuses it otherwise", () => {
    expect(errorLines(`${MINIMAL}logs:\n  output: file\n`)).toEqual([
      "config.yml: logs.file: expected a log file path when output is file, got nothing (the key is missing)",
    ]);
    expect(errorLines(`${MINIMAL}logs:\n  file: /var/log/certeasy.log\n`)).toEqual([
      'config.yml: logs.file: expected no file when output is stderr (set output: file to write there), got "/var/log/certeasy.log"',
    ]);
  });

  it("refuses a tag that would overwrite a field every line has", () => {
    expect(errorLines(`${MINIMAL}logs:\n  tags:\n    level: high\n`)[0]).toMatch(/^config\.yml: logs\.tags\.level: expected a tag name other than /);
  });
});

describe("loadConfig", () => {
  const dir = mkdtempSync(join(tmpdir(), "certeasy-config-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names the file as given in every line", () => {
    const file = join(dir, "broken.yml");
    writeFileSync(file, withServer("  listen: abc\n"));
    expect(() => loadConfig(file)).toThrow(`${file}: server.listen: expected host:port, got "abc"`);
  });
});
