/**
 * A table projection is an RxJS operator from stored events to row changes. The same operator
 * runs inline (inside the append transaction, over the batch being committed), in a rebuild
 * (over the whole log) and in tests — so the rows a rebuild produces are the rows the live
 * system wrote.
 */
import { from, type OperatorFunction } from "rxjs";
import type { StoredEvent } from "../events/index.js";
import type { ProjectionTableName, RowChange } from "./row-change.js";

export interface TableProjection {
  readonly name: string;
  readonly tables: readonly ProjectionTableName[];
  readonly project: OperatorFunction<StoredEvent, RowChange>;
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
