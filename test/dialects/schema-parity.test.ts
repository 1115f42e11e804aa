/**
 * One logical schema, three drizzle definitions (DESIGN §4): every dialect has the same
 * tables, the same SQL column names under the same TS property names, the same nullability,
 * keys, constraint and index names, and the same row types — so one EventRow/ServerRow and one
 * projection RowChange fit all three.
 */
import { getColumns, isTable, type Column, type Table } from "drizzle-orm";
import { getTableConfig as mssqlConfig, type MsSqlTable } from "drizzle-orm/mssql-core";
import { getTableConfig as pgConfig, type PgTable } from "drizzle-orm/pg-core";
import { getTableConfig as sqliteConfig, type SQLiteTable } from "drizzle-orm/sqlite-core";
import { describe, expect, expectTypeOf, it } from "vitest";
import { projectionTables } from "../../projections/row-change.js";
import type { EventRow, LeaseRow, ServerRow } from "../../src/store/dialect.js";
import * as mssql from "../../src/store/schema/mssql.js";
import * as postgres from "../../src/store/schema/postgres.js";
import * as sqlite from "../../src/store/schema/sqlite.js";

interface Shape {
  readonly name: string;
  /** TS property → SQL column, with what a reader of the row relies on */
  readonly columns: Record<string, { name: string; notNull: boolean; primary: boolean }>;
  readonly uniques: string[];
  readonly indexes: string[];
  readonly checks: string[];
}

interface CommonConfig {
  readonly name: string;
  readonly uniqueConstraints: readonly { getName(): string | undefined; readonly columns: readonly Column[] }[];
  readonly indexes: readonly { readonly config: { readonly name?: string | undefined; readonly columns: readonly unknown[] } }[];
  readonly checks: readonly { readonly name: string }[];
}

const columnNames = (columns: readonly unknown[]): string =>
  columns.map((c) => (c && typeof c === "object" && "name" in c ? String(c.name) : "?")).join(",");

function shapeOf(table: Table, config: CommonConfig): Shape {
  const columns = Object.fromEntries(
    Object.entries(getColumns(table) as Record<string, Column>).map(([key, c]) => [
      key,
      { name: c.name, notNull: c.notNull, primary: c.primary },
    ]),
  );
  return {
    name: config.name,
    columns,
    uniques: config.uniqueConstraints.map((u) => `${u.getName() ?? "?"}(${columnNames(u.columns)})`).sort(),
    indexes: config.indexes.map((i) => `${i.config.name ?? "?"}(${columnNames(i.config.columns)})`).sort(),
    checks: config.checks.map((c) => c.name).sort(),
  };
}

function tablesOf<T extends Table>(module: Record<string, unknown>, config: (t: T) => CommonConfig): Map<string, Shape> {
  const tables = new Map<string, Shape>();
  for (const [exportName, value] of Object.entries(module)) {
    if (isTable(value)) tables.set(exportName, shapeOf(value, config(value as T)));
  }
  return tables;
}

const shapes = {
  sqlite: tablesOf<SQLiteTable>(sqlite, sqliteConfig),
  postgres: tablesOf<PgTable>(postgres, pgConfig),
  mssql: tablesOf<MsSqlTable>(mssql, mssqlConfig),
};

describe("schema parity across SQLite, PostgreSQL and SQL Server", () => {
  it("defines the same tables under the same export names", () => {
    const names = [...shapes.mssql.keys()].sort();
    expect(names).toEqual(["acmeAccounts", "acmeAuthorizations", "acmeCertificates", "acmeChallenges", "acmeEabKeys", "acmeOrders", "esEvents", "esLogHead", "esStreams", "nodeBoots", "nodeLease", "projectionRebuild", "servers"]);
    expect([...shapes.sqlite.keys()].sort()).toEqual(names);
    expect([...shapes.postgres.keys()].sort()).toEqual(names);
  });

  for (const exportName of shapes.mssql.keys()) {
    it(`${exportName}: same SQL table, columns, keys, constraints and indexes`, () => {
      const reference = shapes.mssql.get(exportName);
      expect(shapes.sqlite.get(exportName)).toEqual(reference);
      expect(shapes.postgres.get(exportName)).toEqual(reference);
    });
  }

  it("has a table for every projection table name", () => {
    const sqlNames = [...shapes.mssql.values()].map((s) => s.name);
    for (const table of projectionTables) expect(sqlNames).toContain(table);
  });

  it("gives the same row types in every dialect", () => {
    expectTypeOf<typeof mssql.esEvents.$inferSelect>().toEqualTypeOf<typeof sqlite.esEvents.$inferSelect>();
    expectTypeOf<typeof mssql.esEvents.$inferSelect>().toEqualTypeOf<typeof postgres.esEvents.$inferSelect>();
    // The dialect interface's rows are the same shape, only readonly.
    expectTypeOf<Readonly<typeof mssql.esEvents.$inferSelect>>().toEqualTypeOf<EventRow>();
    expectTypeOf<typeof mssql.servers.$inferSelect>().toEqualTypeOf<typeof sqlite.servers.$inferSelect>();
    expectTypeOf<typeof mssql.servers.$inferSelect>().toEqualTypeOf<typeof postgres.servers.$inferSelect>();
    expectTypeOf<Readonly<typeof mssql.servers.$inferSelect>>().toEqualTypeOf<ServerRow>();
    expectTypeOf<typeof mssql.nodeLease.$inferSelect>().toEqualTypeOf<typeof sqlite.nodeLease.$inferSelect>();
    expectTypeOf<typeof mssql.nodeLease.$inferSelect>().toEqualTypeOf<typeof postgres.nodeLease.$inferSelect>();
    expectTypeOf<Readonly<Omit<typeof mssql.nodeLease.$inferSelect, "id">>>().toEqualTypeOf<LeaseRow>();
    expectTypeOf<typeof mssql.nodeBoots.$inferSelect>().toEqualTypeOf<typeof sqlite.nodeBoots.$inferSelect>();
    expectTypeOf<typeof mssql.nodeBoots.$inferSelect>().toEqualTypeOf<typeof postgres.nodeBoots.$inferSelect>();
    expectTypeOf<typeof mssql.acmeAccounts.$inferSelect>().toEqualTypeOf<typeof sqlite.acmeAccounts.$inferSelect>();
    expectTypeOf<typeof mssql.acmeAccounts.$inferSelect>().toEqualTypeOf<typeof postgres.acmeAccounts.$inferSelect>();
    expectTypeOf<typeof mssql.acmeOrders.$inferSelect>().toEqualTypeOf<typeof sqlite.acmeOrders.$inferSelect>();
    expectTypeOf<typeof mssql.acmeOrders.$inferSelect>().toEqualTypeOf<typeof postgres.acmeOrders.$inferSelect>();
    expectTypeOf<typeof mssql.acmeAuthorizations.$inferSelect>().toEqualTypeOf<typeof sqlite.acmeAuthorizations.$inferSelect>();
    expectTypeOf<typeof mssql.acmeAuthorizations.$inferSelect>().toEqualTypeOf<typeof postgres.acmeAuthorizations.$inferSelect>();
    expectTypeOf<typeof mssql.acmeChallenges.$inferSelect>().toEqualTypeOf<typeof sqlite.acmeChallenges.$inferSelect>();
    expectTypeOf<typeof mssql.acmeChallenges.$inferSelect>().toEqualTypeOf<typeof postgres.acmeChallenges.$inferSelect>();
    expectTypeOf<typeof mssql.acmeCertificates.$inferSelect>().toEqualTypeOf<typeof sqlite.acmeCertificates.$inferSelect>();
    expectTypeOf<typeof mssql.acmeCertificates.$inferSelect>().toEqualTypeOf<typeof postgres.acmeCertificates.$inferSelect>();
    expectTypeOf<typeof mssql.acmeEabKeys.$inferSelect>().toEqualTypeOf<typeof sqlite.acmeEabKeys.$inferSelect>();
    expectTypeOf<typeof mssql.acmeEabKeys.$inferSelect>().toEqualTypeOf<typeof postgres.acmeEabKeys.$inferSelect>();
    expectTypeOf<typeof mssql.esStreams.$inferSelect>().toEqualTypeOf<typeof sqlite.esStreams.$inferSelect>();
    expectTypeOf<typeof mssql.esLogHead.$inferSelect>().toEqualTypeOf<typeof postgres.esLogHead.$inferSelect>();
  });
});
