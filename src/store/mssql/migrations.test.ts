/**
 * The SQL Server migrations as shipped (no server needed): the generated DDL holds the logical
 * schema's tables, keys and index, the custom migration seeds the head and makes es_events
 * append-only, and the script a DBA would run keeps CREATE TRIGGER alone in its batch.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMigrations, migrationsDir, packageRoot } from "../migrations/files.js";
import { migrationScript } from "../migrations/script.js";
import { mssqlBookkeeping } from "./migrate.js";

const mssql = loadMigrations("mssql");
const bareName = (name: string): string => name.replace(/^\d+_/, "");

describe("drizzle/mssql migrations", () => {
  it("ship init, append_only, accounts, orders, eab_keys, node_lease, audit_head, projection_rebuild, server_role, json_rows, then append_guard, in the same order as the other dialects", () => {
    expect(mssql.map((m) => bareName(m.name))).toEqual(["init", "append_only", "accounts", "orders", "eab_keys", "node_lease", "audit_head", "projection_rebuild", "server_role", "json_rows", "append_guard"]);
    for (const other of ["sqlite", "postgres"] as const) {
      expect(loadMigrations(other).map((m) => bareName(m.name))).toEqual(mssql.map((m) => bareName(m.name)));
    }
  });

  const [init, appendOnly, accounts] = mssql;
  const initSql = init?.sql ?? "";

  it("create every table of the logical schema with the declared types", () => {
    for (const table of ["es_log_head", "es_streams", "es_events", "servers", "node_boots"]) {
      expect(initSql).toContain(`CREATE TABLE [${table}] (`);
    }
    expect(initSql).toContain("[body] nvarchar(max) NOT NULL");
    expect(initSql).toContain("[last_hash] char(64) NOT NULL");
    expect(initSql).toContain("[stream_id] varchar(200) NOT NULL");
    expect(initSql).toContain("CONSTRAINT [es_log_head_single_row] CHECK ([id] = 1)");
  });

  it("give events app-assigned positions, unique event ids and unique stream versions", () => {
    expect(initSql).toContain("CONSTRAINT [es_events_pkey] PRIMARY KEY([position])");
    // Positions come from es_log_head under its lock, never from IDENTITY (DESIGN §2 invariant 3).
    expect(initSql).not.toMatch(/identity/i);
    expect(initSql).toContain("CONSTRAINT [es_events_event_id_unique] UNIQUE([event_id])");
    expect(initSql).toContain("CONSTRAINT [es_events_stream_version_unique] UNIQUE([stream_id],[stream_version])");
    expect(initSql).toContain("CREATE INDEX [es_events_server_position_idx] ON [es_events] ([server_id],[position]);");
  });

  it("seed the head with position 0 and the genesis hash", () => {
    const [seed] = appendOnly?.statements ?? [];
    expect(seed).toContain("INSERT INTO [es_log_head] ([id], [last_position], [last_hash])");
    expect(seed).toContain(`VALUES (1, 0, '${"0".repeat(64)}')`);
  });

  it("refuse UPDATE and DELETE of events with an append-only error, CREATE TRIGGER alone in its batch", () => {
    const trigger = appendOnly?.statements[1] ?? "";
    expect(appendOnly?.statements).toHaveLength(2);
    // T-SQL: CREATE TRIGGER must be the first statement of its batch.
    expect(trigger.startsWith("CREATE TRIGGER [es_events_append_only] ON [es_events]")).toBe(true);
    expect(trigger).toContain("INSTEAD OF UPDATE, DELETE");
    // RAISERROR with a message string is error 50000; severity 16 reaches the caller as an error.
    expect(trigger).toMatch(/RAISERROR \(N'[^'%]*append-only[^'%]*', 16, 1\);/);
    // No ROLLBACK in the trigger: it would replace our message with error 3609.
    expect(trigger).not.toMatch(/ROLLBACK/i);
  });

  it("create acme_accounts keyed by account id, with one account per key thumbprint", () => {
    const text = accounts?.sql ?? "";
    expect(text).toContain("CREATE TABLE [acme_accounts] (");
    expect(text).toContain("CONSTRAINT [acme_accounts_pkey] PRIMARY KEY([account_id])");
    expect(text).toContain("CONSTRAINT [acme_accounts_thumbprint_unique] UNIQUE([thumbprint])");
    // the unique key must be on a column SQL Server can index (at most 1700 bytes, not MAX)
    expect(text).toContain("[thumbprint] varchar(64) NOT NULL");
    expect(text).toContain("[tos_agreed] bit NOT NULL");
    expect(text).toContain("[contact] nvarchar(max) NOT NULL");
  });

  it("print a script in which every CREATE TRIGGER starts a batch (after GO)", () => {
    const script = migrationScript(mssql, mssqlBookkeeping);
    const lines = script.split("\n");
    const triggerLines = lines.flatMap((line, i) => (line.startsWith("CREATE TRIGGER") ? [i] : []));
    expect(triggerLines).toHaveLength(1);
    for (const i of triggerLines) expect(lines[i - 1]).toBe("GO");
    expect(script).toContain("IF OBJECT_ID(N'certeasy_migrations', N'U') IS NULL CREATE TABLE [certeasy_migrations]");
    expect(script).toContain(
      `INSERT INTO [certeasy_migrations] ([name], [checksum], [applied_at]) VALUES ('${init?.name}', '${init?.checksum}', ` +
        "DATEDIFF_BIG(millisecond, '1970-01-01T00:00:00', SYSUTCDATETIME()))",
    );
    expect(script.match(/^BEGIN TRANSACTION$/gm)).toHaveLength(mssql.length);
    expect(script.match(/^COMMIT TRANSACTION$/gm)).toHaveLength(mssql.length);
  });

  it("match the schema file: drizzle-kit finds nothing left to generate", () => {
    const dir = mkdtempSync(join(tmpdir(), "certeasy-mssql-kit-"));
    try {
      cpSync(migrationsDir("mssql"), join(dir, "out"), { recursive: true });
      const schema = join(packageRoot(), "src", "store", "schema", "mssql.ts");
      const config = join(dir, "drizzle.config.ts");
      writeFileSync(config, `export default ${JSON.stringify({ dialect: "mssql", schema, out: join(dir, "out") })};\n`);
      const kit = spawnSync(join(packageRoot(), "node_modules", ".bin", "drizzle-kit"), ["generate", "--config", config], {
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(kit.status, kit.stderr).toBe(0);
      expect(kit.stdout).toContain("No schema changes");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
