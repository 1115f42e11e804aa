/**
 * A table projection is an RxJS operator from stored events to row changes. The same operator
 * runs inline (inside the append transaction, over the batch being committed), in a rebuild
 * (over the whole log) and in tests — so the rows a rebuild produces are the rows the live
 * system wrote.
 */
import { concatMap, from, type OperatorFunction } from "rxjs";
import type { StoredEvent } from "../events/index.js";
import type { ProjectionTableName, RowChange } from "./row-change.js";

export interface TableProjection {
  readonly name: string;
  readonly tables: readonly ProjectionTableName[];
  readonly project: OperatorFunction<StoredEvent, RowChange>;
  /**
   * The per-event function `project` is `concatMap` of, when it is one (rowProjection):
   * projectBatch calls it directly, which gives the same changes in the same order without an
   * RxJS subscription per event and projection on the append path.
   */
  readonly changesOf?: (event: StoredEvent) => readonly RowChange[];
}

/** A projection whose changes depend on one event at a time: its operator is `concatMap(changesOf)`. */
export function rowProjection(
  name: string,
  tables: readonly ProjectionTableName[],
  changesOf: (event: StoredEvent) => readonly RowChange[],
): TableProjection {
  return { name, tables, project: concatMap(changesOf), changesOf };
}

export class AsyncProjectionError extends Error {
  override readonly name = "AsyncProjectionError";
}

/**
 * Run projections over a batch synchronously. Inline projections must not defer work (SQLite
 * transactions are synchronous, and a change applied after COMMIT would break invariant 1), so
 * an operator that has not completed when `from()` has emitted everything is a bug.
 */
export function projectBatch(projections: readonly TableProjection[], events: readonly StoredEvent[]): RowChange[] {
  const changes: RowChange[] = [];
  for (const projection of projections) {
    const { changesOf } = projection;
    if (changesOf) {
      for (const event of events) for (const change of changesOf(event)) changes.push(change);
      continue;
    }
    let completed = false;
    let failure: unknown;
    from(events)
      .pipe(projection.project)
      .subscribe({
        next: (change) => changes.push(change),
        error: (err: unknown) => {
          failure = err;
        },
        complete: () => {
          completed = true;
        },
      });
    if (failure !== undefined) throw failure;
    if (!completed) throw new AsyncProjectionError(`projection ${projection.name} did not complete synchronously`);
  }
  return changes;
}
