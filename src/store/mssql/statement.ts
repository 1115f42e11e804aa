/**
 * A T-SQL request as plain data: text plus typed, named parameters. Statements are built by
 * pure functions (tested offline) and executed by request.ts, so what runs against the server
 * is exactly what the tests assert.
 */
import type { Cell } from "../../../projections/row-change.js";
import { sqlTypeText, type SqlType } from "./sql-types.js";

export interface BoundParam {
  /** without the `@` */
  readonly name: string;
  readonly type: SqlType;
  readonly value: Cell;
}

export interface Statement {
  readonly text: string;
  readonly params: readonly BoundParam[];
}

/**
 * SQL Server accepts at most 2100 parameters per request (sp_executesql); stay well below it
 * so that a statement never fails on size alone.
 */
export const MAX_PARAMS_PER_REQUEST = 2000;

/** `[name]`: a quoted identifier (`]` doubled, as T-SQL requires). */
export function bracket(identifier: string): string {
  return `[${identifier.replaceAll("]", "]]")}]`;
}

/**
 * A string longer than its column. Checked before sending: tedious would declare the
 * parameter with the column's length and send the longer value anyway, which SQL Server
 * answers with a protocol error that names neither the value nor the column.
 */
export class ValueTooLongError extends Error {
  override readonly name = "ValueTooLongError";
}

/** Hands out parameter names `@p0`, `@p1`, … for one request. */
export class ParamList {
  readonly #params: BoundParam[] = [];

  bind(type: SqlType, value: Cell): string {
    if (typeof value === "string" && "length" in type && type.length !== "max" && value.length > type.length) {
      throw new ValueTooLongError(`a value of ${value.length} characters does not fit ${sqlTypeText(type)}`);
    }
    const name = `p${this.#params.length}`;
    this.#params.push({ name, type, value });
    return `@${name}`;
  }

  get size(): number {
    return this.#params.length;
  }

  statement(text: string): Statement {
    return { text, params: [...this.#params] };
  }
}

/** Split `items` into runs of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`chunk size must be a positive integer, not ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** How many rows of `paramsPerRow` parameters fit in one request (plus `fixed` shared ones). */
export function rowsPerRequest(paramsPerRow: number, fixed = 0): number {
  // A VALUES list takes at most 1000 rows in SQL Server, whatever the parameter count.
  return Math.min(1000, Math.floor((MAX_PARAMS_PER_REQUEST - fixed) / paramsPerRow));
}
