/**
 * Column types as the SQL Server dialect binds and reads them. Every parameter is bound with
 * the type of the column it is compared with or stored in: mssql would otherwise send every
 * JS string as NVARCHAR, and comparing NVARCHAR with a VARCHAR/CHAR key makes SQL Server
 * convert the column side, which under the default SQL_* collations turns an index seek into
 * a scan — inside the head lock, on every append.
 */
import type { Column } from "drizzle-orm";
import mssql from "mssql";
import type { ISqlType } from "mssql";
import type { Cell } from "../../../projections/row-change.js";

export type SqlType =
  | { readonly name: "bigint" | "int" | "smallint" | "bit" }
  | { readonly name: "char" | "nchar" | "varchar" | "nvarchar"; readonly length: number | "max" };

/** A column type this dialect does not bind yet (a new projection column type): add it here. */
export class UnsupportedColumnTypeError extends Error {
  override readonly name = "UnsupportedColumnTypeError";
}

const TEXT_TYPE = /^(char|nchar|varchar|nvarchar)\((\d+|max)\)$/i;

/** Parse the type drizzle declares for a column (`getSQLType()`), e.g. `varchar(200)`. */
export function parseSqlType(declared: string): SqlType {
  const lower = declared.trim().toLowerCase();
  if (lower === "bigint" || lower === "int" || lower === "smallint" || lower === "bit") return { name: lower };
  const text = TEXT_TYPE.exec(lower);
  if (text?.[1] && text[2]) {
    const name = text[1] as "char" | "nchar" | "varchar" | "nvarchar";
    return { name, length: text[2] === "max" ? "max" : Number(text[2]) };
  }
  throw new UnsupportedColumnTypeError(`the SQL Server dialect cannot bind columns of type ${declared}`);
}

export function columnType(column: Column): SqlType {
  return parseSqlType(column.getSQLType());
}

export function sqlTypeText(type: SqlType): string {
  return "length" in type ? `${type.name}(${type.length})` : type.name;
}

/** The mssql driver type for a parameter of this SQL type. */
export function driverType(type: SqlType): ISqlType {
  switch (type.name) {
    case "bigint":
      return mssql.BigInt();
    case "int":
      return mssql.Int();
    case "smallint":
      return mssql.SmallInt();
    case "bit":
      return mssql.Bit();
    case "char":
      return mssql.Char(type.length === "max" ? mssql.MAX : type.length);
    case "nchar":
      return mssql.NChar(type.length === "max" ? mssql.MAX : type.length);
    case "varchar":
      return mssql.VarChar(type.length === "max" ? mssql.MAX : type.length);
    case "nvarchar":
      return mssql.NVarChar(type.length === "max" ? mssql.MAX : type.length);
  }
}

/** A database value is outside what the TS model can hold without loss. */
export class UnreadableValueError extends Error {
  override readonly name = "UnreadableValueError";
}

/**
 * Turn a value the driver returned into the model's value. tedious returns BIGINT as a
 * decimal string (it can exceed 2^53); the schema stores positions, versions and epoch
 * milliseconds there, which must be safe integers (checked, not assumed).
 */
export function decodeValue(type: SqlType, raw: unknown, where: string): Cell {
  if (raw === null || raw === undefined) return null;
  switch (type.name) {
    case "bigint":
    case "int":
    case "smallint": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" || typeof raw === "bigint" ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) throw new UnreadableValueError(`${where}: ${String(raw)} is not a safe integer`);
      return n;
    }
    case "bit":
      if (typeof raw !== "boolean") throw new UnreadableValueError(`${where}: expected a bit, got ${typeof raw}`);
      return raw;
    default:
      if (typeof raw !== "string") throw new UnreadableValueError(`${where}: expected text, got ${typeof raw}`);
      return raw;
  }
}
