/**
 * The rebuild checkpoint's T-SQL (one row, id = 1). Pure builders; rebuild.ts runs them inside
 * the transaction that holds the head lock.
 */
import { projectionRebuild } from "../schema/mssql.js";
import type { RebuildCheckpoint } from "../dialect.js";
import { ParamList, type Statement } from "./statement.js";
import { columnType } from "./sql-types.js";
import { tableName } from "./table-rows.js";

const T = tableName(projectionRebuild);
const positionType = columnType(projectionRebuild.position);
const startedAtType = columnType(projectionRebuild.startedAt);

export function readCheckpointSql(): Statement {
  return { text: `SELECT [position], [started_at] FROM ${T} WHERE [id] = 1`, params: [] };
}

export function insertCheckpointSql(checkpoint: RebuildCheckpoint): Statement {
  const p = new ParamList();
  const position = p.bind(positionType, checkpoint.position);
  const startedAt = p.bind(startedAtType, checkpoint.startedAt);
  return p.statement(`INSERT INTO ${T} ([id], [position], [started_at]) VALUES (1, ${position}, ${startedAt})`);
}

export function advanceCheckpointSql(position: number): Statement {
  const p = new ParamList();
  return p.statement(`UPDATE ${T} SET [position] = ${p.bind(positionType, position)} WHERE [id] = 1`);
}

export function deleteCheckpointSql(): Statement {
  return { text: `DELETE FROM ${T} WHERE [id] = 1`, params: [] };
}
