/**
 * Fixed-shape write statements for PostgreSQL: the rows of a statement travel as one JSON
 * parameter and `json_to_recordset` turns them back into typed columns. The statement text
 * depends only on the table and the columns named, never on how many rows a batch carries, so
 * each pooled connection prepares it once (postgres-js caches prepared statements by text) and
 * every later batch binds and executes it without a Parse/Describe round trip. A multi-row
 * VALUES list or an `IN` list of a new length was a new statement each time.
 *
 * The parameter is cast `$1::text::json` rather than `$1::json`: postgres-js serializes a
 * parameter typed json with JSON.stringify, which would encode the already-encoded text again.
 */
import { getTableName, type Column, type Table } from "drizzle-orm";
import type { Cell, Row, RowChange } from "../../../projections/row-change.js";
import { changeShape, columnsNamed, groupChanges, ProjectionRowError, type RowChangeRun } from "../row-change-sql.js";
import { postgresProjectionTables } from "./connection.js";

/** One statement with its one parameter: the rows, as JSON text. */
export interface RecordsetStatement {
  readonly text: string;
  readonly rows: string;
}

/** Rows per statement: bounds the size of one parameter, not a protocol limit. */
export const MAX_ROWS_PER_STATEMENT = 1000;

const quote = (name: string): string => `"${name.replaceAll('"', '""')}"`;

type RecordFields = readonly { readonly field: string; readonly column: Column }[];

const recordDefinition = (fields: RecordFields): string =>
  fields.map(({ field, column }) => `${quote(field)} ${column.getSQLType()}`).join(", ");

/** `json_to_recordset($1::text::json) as r("field" type, …)` for the given record fields. */
function recordset(fields: RecordFields): string {
  return `json_to_recordset($1::text::json) as r(${recordDefinition(fields)})`;
}

/**
 * The same rows for a statement that joins them to its table by key: through
 * `certeasy_json_rows` (migration json_rows), whose estimate of one row makes the planner probe
 * the key's index. With json_to_recordset's estimate of 100 rows it hash-joined them against a
 * sequential scan of the whole table until the table held some 25,000 rows.
 */
function keyedRecords(fields: RecordFields): string {
  return `certeasy_json_rows($1::text::json) as e, json_to_record(e) as r(${recordDefinition(fields)})`;
}

/**
 * `insert into <table> (columns) select … from json_to_recordset(…)` for records keyed by the
 * tables' TS property names; `suffix` may add an ON CONFLICT clause.
 */
export function insertRecordsetText(table: Table, keys: readonly string[], suffix = ""): string {
  const name = getTableName(table);
  if (keys.length === 0) throw new ProjectionRowError(`insert into ${name} without columns`);
  const columns = columnsNamed(table, name, keys);
  const fields = keys.map((field, i) => ({ field, column: columns[i] as Column }));
  const names = columns.map((column) => quote(column.name)).join(", ");
  const values = keys.map((key) => `r.${quote(key)}`).join(", ");
  return `insert into ${quote(name)} (${names}) select ${values} from ${recordset(fields)}${suffix}`;
}

/** Record fields of an update or delete: `k:<key column>` and `s:<set column>`, so that a column may be both. */
const keyField = (key: string) => `k:${key}`;
const setField = (key: string) => `s:${key}`;

function keyedText(kind: "update" | "delete", table: Table, keys: readonly string[], sets: readonly string[]): string {
  const name = getTableName(table);
  // An empty key would touch every row of the table.
  if (keys.length === 0) throw new ProjectionRowError(`${kind} on ${name} without a key`);
  if (kind === "update" && sets.length === 0) throw new ProjectionRowError(`update of ${name} without columns`);
  const keyColumns = columnsNamed(table, name, keys);
  const setColumns = columnsNamed(table, name, sets);
  const fields = [
    ...keys.map((key, i) => ({ field: keyField(key), column: keyColumns[i] as Column })),
    ...sets.map((key, i) => ({ field: setField(key), column: setColumns[i] as Column })),
  ];
  const where = keys.map((key, i) => `t.${quote((keyColumns[i] as Column).name)} = r.${quote(keyField(key))}`).join(" and ");
  if (kind === "delete") return `delete from ${quote(name)} as t using ${keyedRecords(fields)} where ${where}`;
  const set = sets.map((key, i) => `${quote((setColumns[i] as Column).name)} = r.${quote(setField(key))}`).join(", ");
  return `update ${quote(name)} as t set ${set} from ${keyedRecords(fields)} where ${where}`;
}

/** Statement texts by table and shape: a few dozen, built once per process. */
const texts = new Map<string, string>();

function runText(run: RowChangeRun, first: RowChange): string {
  const id = `${run.kind} ${run.table} ${changeShape(first)}`;
  let text = texts.get(id);
  if (text === undefined) {
    const table = postgresProjectionTables[run.table];
    switch (first.kind) {
      case "insert":
        text = insertRecordsetText(table, Object.keys(first.row).sort());
        break;
      case "update":
        text = keyedText("update", table, Object.keys(first.key).sort(), Object.keys(first.set).sort());
        break;
      case "delete":
        text = keyedText("delete", table, Object.keys(first.key).sort(), []);
        break;
    }
    texts.set(id, text);
  }
  return text;
}

function record(change: RowChange): Row {
  if (change.kind === "insert") return change.row;
  const fields: Record<string, Cell> = {};
  for (const [key, value] of Object.entries(change.key)) fields[keyField(key)] = value;
  if (change.kind === "update") for (const [key, value] of Object.entries(change.set)) fields[setField(key)] = value;
  return fields;
}

/** The statements that apply `changes` in order: one per run of same-shape changes (groupChanges). */
export function projectionStatements(changes: readonly RowChange[]): RecordsetStatement[] {
  return groupChanges(changes, MAX_ROWS_PER_STATEMENT).map((run) => {
    const first = run.changes[0];
    if (!first) throw new ProjectionRowError(`empty run on ${run.table}`);
    return { text: runText(run, first), rows: JSON.stringify(run.changes.map(record)) };
  });
}

