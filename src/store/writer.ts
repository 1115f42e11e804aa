/**
 * The event writer: one queue per node, group commit (DESIGN §3). Commands that arrive while a
 * batch is in flight wait and go together into the next transaction, so throughput grows with
 * concurrency instead of with fsyncs. Per batch: append + inline projections in one
 * transaction, commit, mirror to the audit file (fsync), emit on `committed$`, and only then
 * answer the callers — an acknowledged event is committed and mirrored (invariants 6, 7).
 */
import { Subject, type Observable } from "rxjs";
import { assertPendingEvent, type StoredEvent } from "../../events/index.js";
import { projectBatch, type TableProjection } from "../../projections/index.js";
import type { AppendCommand, AppendOutcome, EventStoreDialect } from "./dialect.js";
import { AuditMirrorError, StoreUnavailableError, StreamVersionConflictError, WriterClosedError } from "./errors.js";

/** Where committed events are mirrored before they are acknowledged (the audit file). */
export interface CommitMirror {
  appendEvents(events: readonly StoredEvent[]): Promise<void>;
}

export interface EventWriterOptions {
  readonly dialect: EventStoreDialect;
  readonly serverId: string;
  readonly clock: () => Date;
  readonly projections: readonly TableProjection[];
  readonly mirror: CommitMirror;
  /** upper bound on commands per transaction, to keep lock hold times short */
  readonly maxBatch?: number;
  readonly onBatch?: (stats: { readonly commands: number; readonly events: number; readonly ms: number }) => void;
}

interface Queued {
  readonly command: AppendCommand;
  readonly resolve: (events: readonly StoredEvent[]) => void;
  readonly reject: (error: Error) => void;
}

export class EventWriter {
  readonly #opts: EventWriterOptions;
  readonly #committed = new Subject<StoredEvent>();
  #queue: Queued[] = [];
  #running: Promise<void> | undefined;
  #closed: Error | undefined;

  /** Every committed and mirrored event, in position order, emitted after commit only. */
  readonly committed$: Observable<StoredEvent> = this.#committed.asObservable();

  constructor(options: EventWriterOptions) {
    this.#opts = options;
  }

  /** Why the writer refuses appends (closed, or stopped after an audit failure), if it does. */
  get refusal(): Error | undefined {
    return this.#closed;
  }

  /** Append one command's events; resolves once they are committed and mirrored. */
  append(command: AppendCommand): Promise<readonly StoredEvent[]> {
    if (this.#closed) return Promise.reject(this.#closed);
    try {
      for (const event of command.events) assertPendingEvent(event);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise((resolve, reject) => {
      this.#queue.push({ command, resolve, reject });
      this.#running ??= this.#drainQueue();
    });
  }

  /** Stop taking commands and wait for the queued ones to finish. */
  async close(): Promise<void> {
    this.#closed ??= new WriterClosedError("the event writer is closed");
    await this.#running;
    this.#committed.complete();
  }

  async #drainQueue(): Promise<void> {
    // Yield once so that every command issued in the same tick joins the first batch.
    await new Promise<void>((r) => setImmediate(r));
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#opts.maxBatch ?? 1000);
        await this.#commit(batch);
      }
    } finally {
      this.#running = undefined;
    }
  }

  async #commit(batch: readonly Queued[]): Promise<void> {
    const started = performance.now();
    let outcomes: readonly AppendOutcome[];
    try {
      outcomes = await this.#appendBatch(batch.map((q) => q.command));
    } catch (error) {
      const failure = asStoreError(error);
      if (batch.length > 1 && !(failure instanceof StoreUnavailableError)) {
        // One bad command (say, a projection constraint) must not fail its neighbours:
        // isolate it by committing the batch's commands one at a time. (Not when the database
        // is unreachable: every retry would wait out the same connection timeout.)
        for (const queued of batch) await this.#commit([queued]);
        return;
      }
      for (const queued of batch) queued.reject(failure);
      return;
    }
    const events = outcomes.flatMap((o) => (o.ok ? o.events : []));
    if (events.length > 0) {
      try {
        await this.#opts.mirror.appendEvents(events);
      } catch (error) {
        this.#closed = new AuditMirrorError(`audit file write failed; the node stops acknowledging writes: ${String(error)}`, {
          cause: error,
        });
        for (const queued of [...batch, ...this.#queue.splice(0)]) queued.reject(this.#closed);
        return;
      }
      for (const event of events) this.#committed.next(event);
    }
    this.#opts.onBatch?.({ commands: batch.length, events: events.length, ms: performance.now() - started });
    outcomes.forEach((outcome, i) => {
      const queued = batch[i];
      if (!queued) return;
      if (outcome.ok) queued.resolve(outcome.events);
      else queued.reject(new StreamVersionConflictError(outcome.conflict));
    });
  }

  #appendBatch(commands: readonly AppendCommand[]): Promise<readonly AppendOutcome[]> {
    const { dialect, serverId, clock, projections } = this.#opts;
    return dialect.appendBatch(commands, {
      serverId,
      now: clock,
      project: (events) => projectBatch(projections, events),
    });
  }
}

/** Connection-level failures are "try again later" (503); anything else is a fault (500). */
const unavailableCodes = new Set([
  "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "ESOCKET", "ETIMEOUT",
  "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT",
  "SQLITE_BUSY", "SQLITE_IOERR", "SQLITE_FULL", "SQLITE_CANTOPEN", "57P01", "57P02", "57P03",
]);

function asStoreError(error: unknown): Error {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && unavailableCodes.has(code)) {
      return new StoreUnavailableError(`the database is unavailable: ${e.message}`, { cause: error });
    }
  }
  return error instanceof Error ? error : new Error(String(error));
}
