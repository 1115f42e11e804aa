/**
 * An in-memory projection: state folded from the log with a pure `evolve`. The runtime
 * (src/projection/live.ts) hydrates it from the stored log at boot, then feeds it `committed$`,
 * through the same RxJS `scan`, so a restart rebuilds exactly the state the node had.
 */
import { scan, type OperatorFunction } from "rxjs";
import type { StoredEvent } from "../../events/index.js";

export interface MemoryProjection<S> {
  readonly name: string;
  readonly initial: S;
  evolve(state: S, event: StoredEvent): S;
}

export function foldProjection<S>(projection: MemoryProjection<S>): OperatorFunction<StoredEvent, S> {
  return scan((state: S, event: StoredEvent) => projection.evolve(state, event), projection.initial);
}
