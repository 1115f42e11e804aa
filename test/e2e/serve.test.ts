/**
 * The life of one node as its operator sees it, on SQLite and (when it answers) PostgreSQL:
 * first boot, HTTPS endpoints trusted through the local CA only, graceful SIGTERM, restart with
 * the same identity, and the auditor's commands (audit, events, projections) on the result.
 * The steps build on each other, in order, on one installation per database.
 */
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  connectOutcome,
  createInstallation,
  httpsGet,
  killLeftoverChildren,
  postgresAvailability,
  runCli,
  type Driver,
  type Installation,
} from "./harness.js";

const postgres = await postgresAvailability();

afterEach(killLeftoverChildren);

const STEP_MS = 60_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface ExportedEvent {
  readonly gp: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
}

const parseExport = (stdout: string): ExportedEvent[] =>
  stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as ExportedEvent);

function lifecycle(driver: Driver, skip: boolean): void {
  describe.skipIf(skip)(`serve lifecycle on ${driver}`, () => {
    let node: Installation;
    let serverId: string;
    const bootRows = (): Promise<Record<string, unknown>[]> => node.db.query("SELECT * FROM node_boots ORDER BY boot_id");

    // PostgreSQL is a Pro plan driver (reference §6): that node gets a license first, installed
    // offline — one boot of its own, framing the license.installed event.
    const licensed = driver !== "sqlite";
    const setupEvents = licensed ? ["node.started", "license.installed", "node.stopped"] : [];
    const setupBoots = licensed ? 1 : 0;

    beforeAll(async () => {
      node = await createInstallation({ driver });
      if (licensed) {
        const installed = await node.installLicense({ allowed_dbs: ["postgres"] });
        expect(installed.code, installed.stderr).toBe(0);
      }
    });
    afterAll(async () => {
      await killLeftoverChildren();
      await node?.cleanup();
    });

    it("first boot prints the directory URL and the CA to trust, and serves RFC 8555 §7.1.1 over HTTPS", async () => {
      const server = await node.serve();
      expect(server.stdout()).toContain(`Trust this CA certificate in ACME clients: ${node.rootCaPath}`);
      expect(server.directoryUrl.startsWith(node.baseUrl)).toBe(true);
      const ca = await readFile(node.rootCaPath, "utf8");

      const directory = await httpsGet(server.directoryUrl, ca);
      expect(directory.status).toBe(200);
      expect(directory.headers["content-type"]).toMatch(/^application\/json/);
      const resources = JSON.parse(directory.body) as Record<string, unknown>;
      for (const name of ["newNonce", "newAccount", "newOrder", "revokeCert", "keyChange"]) {
        expect(resources[name], name).toEqual(expect.stringMatching(new RegExp(`^${node.baseUrl}\\S+`)));
      }

      const health = await httpsGet(new URL("/healthz", node.baseUrl).href, ca);
      expect(health.status).toBe(200);
      const ready = await httpsGet(new URL("/readyz", node.baseUrl).href, ca);
      expect(ready.status).toBe(200);
      const checks = (JSON.parse(ready.body) as { checks: { name: string; state: string }[] }).checks;
      expect(checks.map((c) => c.name)).toEqual(expect.arrayContaining(["database", "projections", "writer"]));
      expect(checks.every((c) => c.state === "ready")).toBe(true);

      // The chain leads to the local CA and nowhere else: the public trust store refuses it.
      await expect(httpsGet(server.directoryUrl, null)).rejects.toThrow(/certificate/i);

      const exit = await server.stop("SIGTERM");
      expect(exit.code).toBe(0);
    }, STEP_MS);

    it("SIGTERM refuses new connections, exits 0 within seconds, and ends the audit file with a shutdown line", async () => {
      const server = await node.serve();
      const exited = server.stop("SIGTERM");
      await server.waitForLog(/HTTPS listener draining/);
      expect(await connectOutcome(node.port)).toBe("ECONNREFUSED");
      const exit = await exited;
      expect(exit.code).toBe(0);
      expect(exit.ms).toBeLessThan(10_000);

      const last = JSON.parse((await node.auditLines()).at(-1) ?? "{}") as { kind?: string };
      expect(last.kind).toBe("shutdown");
      serverId = await node.serverId();
      expect(serverId).toMatch(UUID);
      expect((await stat(node.serverIdPath)).mode & 0o777).toBe(0o600);
    }, STEP_MS);

    it("restart keeps the server_id; list-servers shows it once; audit and event chains verify", async () => {
      const server = await node.serve();
      expect((await server.stop("SIGTERM")).code).toBe(0);
      expect(await node.serverId()).toBe(serverId);

      const servers = await node.cli("audit", "list-servers");
      expect(servers.code, servers.stderr).toBe(0);
      const [header, ...rows] = servers.stdout.trimEnd().split("\n");
      expect(header?.split(/\s{2,}/)).toEqual(["server_id", "hostname", "first_seen", "last_seen", "role", "lease"]);
      expect(header).toMatch(/^server_id {2,}hostname {2,}first_seen {2,}last_seen {2,}role {2,}lease$/);
      const own = rows.filter((row) => row.split(/\s+/)[0] === serverId);
      expect(own).toHaveLength(1);
      // Stopped cleanly: the lease was released and the row says stopped.
      expect(own[0]).toMatch(/ {2}stopped {2}epoch \d+, expired \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

      const audit = await node.cli("audit", "verify");
      expect(audit.code, audit.stderr).toBe(0);
      const events = await node.cli("events", "verify");
      expect(events.code, events.stderr).toBe(0);
    }, STEP_MS);

    it("events export writes one NDJSON line per event; --from skips; verify --input catches a one-character edit", async () => {
      const all = await node.cli("events", "export");
      expect(all.code, all.stderr).toBe(0);
      const events = parseExport(all.stdout);
      // three boots so far, each recorded as node.started … node.stopped
      expect(events.map((e) => e.type)).toEqual([...setupEvents, ...Array.from({ length: 3 }, () => ["node.started", "node.stopped"]).flat()]);
      expect(events.map((e) => e.gp)).toEqual(events.map((_, i) => i + 1));

      const fromTwo = await node.cli("events", "export", "--from", "2");
      expect(fromTwo.code, fromTwo.stderr).toBe(0);
      expect(fromTwo.stdout).toBe(all.stdout.split("\n").slice(1).join("\n"));

      const exportFile = join(node.workdir, "events.ndjson");
      await writeFile(exportFile, all.stdout);
      const intact = await runCli(["events", "verify", "--input", exportFile]);
      expect(intact.code, intact.stderr).toBe(0);

      // Alter one character of the data of the second serve's node.started: flip a digit of its pid.
      const lines = all.stdout.split("\n");
      const index = setupEvents.length + 2;
      const third = lines[index] ?? "";
      const pid = /"pid":(\d)/.exec(third);
      expect(pid).not.toBeNull();
      const at = (pid?.index ?? 0) + '"pid":'.length;
      lines[index] = `${third.slice(0, at)}${third[at] === "9" ? "8" : "9"}${third.slice(at + 1)}`;
      const tamperedFile = join(node.workdir, "events-tampered.ndjson");
      await writeFile(tamperedFile, lines.join("\n"));
      const tampered = await runCli(["events", "verify", "--input", tamperedFile]);
      expect(tampered.code).toBe(1);
      expect(tampered.stderr).toMatch(new RegExp(`position ${index + 1}\\b`));
    }, STEP_MS);

    it("projections rebuild gives back exactly the same node_boots rows, even after they were damaged", async () => {
      const before = await bootRows();
      expect(before).toHaveLength(3 + setupBoots);
      const rebuild = await node.cli("projections", "rebuild");
      expect(rebuild.code, rebuild.stderr).toBe(0);
      expect(await bootRows()).toEqual(before);

      // A projection is disposable: whatever happened to its rows, the log brings them back.
      await node.db.exec("UPDATE node_boots SET hostname = 'damaged', stop_reason = NULL");
      await node.db.exec(`DELETE FROM node_boots WHERE boot_id = '${String(before[0]?.["boot_id"])}'`);
      expect(await bootRows()).not.toEqual(before);
      const again = await node.cli("projections", "rebuild");
      expect(again.code, again.stderr).toBe(0);
      expect(await bootRows()).toEqual(before);
    }, STEP_MS);
  });
}

describe("a stop signal sent the instant the banner appears", () => {
  // Product bug: src/cli/commands/serve.ts prints "ACME directory:" before waitForStopSignal()
  // installs the SIGTERM/SIGINT handlers, so a service manager that stops the server as soon as
  // it announced itself kills it outright: exit by signal, no node.stopped event, no shutdown
  // line. The race is lost most of the time here; several attempts make the test deterministic.
  it("is still a graceful stop: exit 0 and a shutdown line", async () => {
    const node = await createInstallation();
    try {
      for (let attempt = 1; attempt <= 8; attempt++) {
        const server = await node.serve({ bannerOnly: true });
        const exit = await server.stop("SIGTERM");
        expect({ attempt, code: exit.code, signal: exit.signal }).toEqual({ attempt, code: 0, signal: null });
        const last = JSON.parse((await node.auditLines()).at(-1) ?? "{}") as { kind?: string };
        expect(last.kind).toBe("shutdown");
      }
    } finally {
      await killLeftoverChildren();
      await node.cleanup();
    }
  }, 180_000);
});

lifecycle("sqlite", false);
lifecycle("postgres", !postgres.reachable);
