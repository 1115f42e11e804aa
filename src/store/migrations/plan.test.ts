import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadMigrations, migrationsDir } from "./files.js";
import { migrationChecksum, migrationFile, planMigrations, splitStatements } from "./plan.js";
import { MigrationRefused } from "./refused.js";
import { migrationScript, type MigrationBookkeeping } from "./script.js";

const init = migrationFile("20261130080000_init", "CREATE TABLE a (x int);\n--> statement-breakpoint\nCREATE TABLE b (y int);");
const extra = migrationFile("20261201080000_extra", "-- why\nALTER TABLE a ADD z int;");
const applied = (...files: { name: string; checksum: string }[]) => files.map(({ name, checksum }) => ({ name, checksum }));

describe("splitStatements", () => {
  it("splits on drizzle's breakpoints and drops chunks that hold only comments", () => {
    expect(splitStatements("A;\n--> statement-breakpoint\n-- only a comment\n--> statement-breakpoint\n\nB;\n")).toEqual([
      "A;",
      "B;",
    ]);
  });
});

describe("planMigrations", () => {
  it("lists the shipped migrations the database lacks, in name order", () => {
    const plan = planMigrations([init, extra], applied(init));
    expect(plan.pending.map((m) => m.name)).toEqual([extra.name]);
    expect(plan.status).toEqual({ known: [init.name, extra.name], applied: [init.name], pending: [extra.name] });
  });

  it("refuses a database holding a migration this build does not ship", () => {
    const future = { name: "20991231000000_future", checksum: "0".repeat(64) };
    expect(() => planMigrations([init], [...applied(init), future])).toThrow(MigrationRefused);
    expect(() => planMigrations([init], [...applied(init), future])).toThrow(
      "database is newer than this Certeasy build: migration 20991231000000_future",
    );
  });

  it("refuses a migration whose text changed after it was applied", () => {
    const edited = migrationFile(init.name, `${init.sql}\n`);
    expect(() => planMigrations([edited], applied(init))).toThrow(`migration ${init.name} was changed after it was applied`);
  });
});

describe("migrationScript", () => {
  const book: MigrationBookkeeping = {
    createTable: "CREATE TABLE IF NOT EXISTS m (name text)",
    begin: "BEGIN",
    commit: "COMMIT",
    terminator: ";",
    record: (m) => `INSERT INTO m VALUES ('${m.name}')`,
  };

  it("wraps each migration with its bookkeeping in one transaction", () => {
    expect(migrationScript([extra], book)).toBe(
      [
        "CREATE TABLE IF NOT EXISTS m (name text);",
        `-- migration ${extra.name} (sha256 ${extra.checksum})`,
        "BEGIN;",
        "-- why\nALTER TABLE a ADD z int;",
        `INSERT INTO m VALUES ('${extra.name}');`,
        "COMMIT;",
        "",
      ].join("\n"),
    );
  });
});

describe("shipped migrations", () => {
  it.each(["sqlite", "postgres"] as const)("%s: found from the package root, checksummed from the file", (folder) => {
    const migrations = loadMigrations(folder);
    expect(migrations.slice(0, 2).map((m) => m.name.replace(/^\d{14}_/, ""))).toEqual(["init", "append_only"]);
    for (const m of migrations) {
      const text = readFileSync(join(migrationsDir(folder), m.name, "migration.sql"), "utf8");
      expect(m.checksum).toBe(migrationChecksum(text));
      // A migration may do nothing in one dialect (json_rows is PostgreSQL's planner): then it holds only comments.
      const onlyComments = text.split("\n").every((line) => line.trim() === "" || line.trim().startsWith("--"));
      expect(m.statements.length > 0 || onlyComments, m.name).toBe(true);
    }
  });
});
