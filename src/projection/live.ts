/**
 * Runs the in-memory projections: hydrate each from the stored log in batches, then follow
 * `committed$`. Events committed while hydration reads are buffered and applied after it, by
 * position, so nothing is missed or applied twice. `caughtUp` feeds `/readyz`.
 */
import { BehaviorSubject, Subject, type Observable, type Subscription } from "rxjs";
import type { StoredEvent } from "../../events/index.js";
import { foldProjection, type MemoryProjection } from "../../projections/index.js";
import type { EventStoreDialect } from "../store/dialect.js";
import { toStoredEvent } from "../store/rows.js";

export interface LiveProjections {
  /** Current state of a projection that was started here. */
  state<S>(projection: MemoryProjection<S>): S;
  state$<S>(projection: MemoryProjection<S>): Observable<S>;
  /** true once hydration is done and no projection has failed */
  caughtUp(): boolean;
  /** the first error a projection threw, if any (the node is then not ready) */
  failure(): Error | undefined;
  stop(): void;
}

export interface StartOptions {
  readonly dialect: EventStoreDialect;
  readonly committed$: Observable<StoredEvent>;
  readonly batchSize?: number;
  readonly onProgress?: (position: number) => void;
}

export async function startLiveProjections(
  projections: readonly MemoryProjection<unknown>[],
  { dialect, committed$, batchSize = 1000, onProgress }: StartOptions,
): Promise<LiveProjections> {
  const source = new Subject<StoredEvent>();
  const states = new Map<string, BehaviorSubject<unknown>>();
  const subscriptions: Subscription[] = [];
  let failure: Error | undefined;
  for (const projection of projections) {
    const state = new BehaviorSubject<unknown>(projection.initial);
    states.set(projection.name, state);
    subscriptions.push(
      source.pipe(foldProjection(projection)).subscribe({
        next: (s) => state.next(s),
        error: (e: unknown) => {
          failure ??= e instanceof Error ? e : new Error(String(e));
        },
      }),
    );
  }

  let last = 0;
  let hydrated = false;
  const buffered: StoredEvent[] = [];
  const apply = (event: StoredEvent): void => {
    if (event.gp <= last) return;
    last = event.gp;
    source.next(event);
  };
  subscriptions.push(committed$.subscribe((event) => (hydrated ? apply(event) : buffered.push(event))));

  for (;;) {
    const rows = await dialect.readAll(last, batchSize);
    if (rows.length === 0) break;
    for (const row of rows) apply(toStoredEvent(row));
    onProgress?.(last);
  }
  for (const event of buffered.splice(0)) apply(event);
  hydrated = true;

  const find = <S>(projection: MemoryProjection<S>): BehaviorSubject<S> => {
    const state = states.get(projection.name);
    if (!state) throw new Error(`projection ${projection.name} was not started`);
    return state as BehaviorSubject<S>;
  };
  return {
    state: (projection) => find(projection).getValue(),
    state$: (projection) => find(projection).asObservable(),
    caughtUp: () => hydrated && failure === undefined,
    failure: () => failure,
    stop: () => {
      for (const s of subscriptions) s.unsubscribe();
      source.complete();
    },
  };
}
