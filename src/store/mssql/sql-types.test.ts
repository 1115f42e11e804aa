/** Binding and reading values with the types the schema declares. */
import mssql from "mssql";
import { describe, expect, it } from "vitest";
import { esEvents, nodeBoots } from "../schema/mssql.js";
import { decodeValue, driverType, parseSqlType, UnreadableValueError, UnsupportedColumnTypeError } from "./sql-types.js";
import { bracket, ParamList, ValueTooLongError } from "./statement.js";
import { decodeRow } from "./table-rows.js";

describe("parseSqlType / driverType", () => {
  it("binds each declared column type with the matching driver type and length", () => {
    expect(parseSqlType("varchar(200)")).toEqual({ name: "varchar", length: 200 });
    expect(parseSqlType("nvarchar(max)")).toEqual({ name: "nvarchar", length: "max" });
    expect(parseSqlType("BIGINT")).toEqual({ name: "bigint" });

    const varchar = driverType({ name: "varchar", length: 200 });
    expect(varchar.type).toBe(mssql.VarChar);
    expect(varchar).toMatchObject({ length: 200 });
    expect(driverType({ name: "nvarchar", length: "max" })).toMatchObject({ type: mssql.NVarChar, length: mssql.MAX });
    expect(driverType({ name: "char", length: 36 })).toMatchObject({ type: mssql.Char, length: 36 });
    expect(driverType({ name: "bigint" }).type).toBe(mssql.BigInt);
  });

  it("names the type it cannot bind, so a new projection column type is added on purpose", () => {
    expect(() => parseSqlType("datetime2(3)")).toThrow(UnsupportedColumnTypeError);
    expect(() => parseSqlType("datetime2(3)")).toThrow("cannot bind columns of type datetime2(3)");
  });
});

describe("decodeValue / decodeRow", () => {
  it("reads tedious's BIGINT strings as numbers, refusing what a number cannot hold exactly", () => {
    expect(decodeValue({ name: "bigint" }, "9007199254740991", "x")).toBe(Number.MAX_SAFE_INTEGER);
    expect(decodeValue({ name: "bigint" }, null, "x")).toBeNull();
    expect(() => decodeValue({ name: "bigint" }, "9007199254740993", "es_events.position")).toThrow(UnreadableValueError);
    expect(() => decodeValue({ name: "bigint" }, "9007199254740993", "es_events.position")).toThrow(
      "es_events.position: 9007199254740993 is not a safe integer",
    );
    expect(() => decodeValue({ name: "varchar", length: 10 }, 5, "x")).toThrow(UnreadableValueError);
  });

  it("turns a result record into the row the other dialects return", () => {
    const record = {
      position: "3",
      eventId: "0190a000-0000-7000-8000-000000000003",
      streamId: "node:1",
      streamVersion: "2",
      eventType: "node.stopped",
      schemaVersion: 1,
      recordedAt: "1764489600123",
      serverId: "6f1c3d2e-0000-4000-8000-000000000001",
      body: "{}",
      hash: "ab".repeat(32),
    };
    expect(decodeRow(esEvents, record)).toEqual({ ...record, position: 3, streamVersion: 2, recordedAt: 1_764_489_600_123 });
    expect(decodeRow(nodeBoots, { bootId: "b", pid: 1, startedAt: "5", stoppedAt: null })).toMatchObject({
      bootId: "b",
      pid: 1,
      startedAt: 5,
      stoppedAt: null,
      uptimeMs: null,
    });
  });
});

describe("bracket", () => {
  it("quotes identifiers the T-SQL way", () => {
    expect(bracket("es_events")).toBe("[es_events]");
    expect(bracket("odd]name")).toBe("[odd]]name]");
  });
});

describe("ParamList", () => {
  it("refuses a string longer than its column before it reaches the server", () => {
    const p = new ParamList();
    expect(p.bind({ name: "varchar", length: 5 }, "abcde")).toBe("@p0");
    expect(() => p.bind({ name: "varchar", length: 5 }, "abcdef")).toThrow(ValueTooLongError);
    expect(() => p.bind({ name: "char", length: 36 }, "x".repeat(37))).toThrow("a value of 37 characters does not fit char(36)");
    expect(p.bind({ name: "nvarchar", length: "max" }, "x".repeat(100_000))).toBe("@p1");
    expect(p.size).toBe(2);
  });
});
