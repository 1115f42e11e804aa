/**
 * The event writer: one queue per node, group commit (DESIGN §3). Commands that arrive while a
 * batch is in flight wait and go together into the next transaction, so throughput grows with
 * concurrency instead of with fsyncs. Per batch: append + inline projections in one
 * transaction, commit, mirror to the audit file (fsync), emit on `committed$`, and only then
 * answer the callers — an acknowledged event is committed and mirrored (invariants 6, 7).
 *
 * Two stages overlap: while one batch waits for its audit lines to reach the disk, the next
 * batch commits. Mirrors, `committed$` and answers still follow position order, because each
 * batch's mirror starts only after the previous one has finished.
 *
 * A commit whose answer is lost (the connection dropped during COMMIT: PostgreSQL restarted,
 * network cut) may have landed. Its callers get StoreUnavailableError (503: not acknowledged),
 * and before the next batch the writer reads back this node's events after the last one it
 * mirrored and mirrors them (and emits them on `committed$`), so the audit file never misses an
 * event the database holds (invariant 7) without waiting for the next boot's re-mirror.
 */
import { Subject, type Observable } from "rxjs";
import { assertPendingEvent, type StoredEvent } from "../../events/index.js";
import { projectBatch, type TableProjection } from "../../projections/index.js";
import type { AppendCommand, AppendOutcome, EventStoreDialect } from "./dialect.js";
import { toStoredEvent } from "./rows.js";
import {
  asStoreError,
  AuditMirrorError,
  LeaseLostError,
  StoreUnavailableError,
  StreamVersionConflictError,
  WriterClosedError,
} from "./errors.js";

/** Where committed events are mirrored before they are acknowledged (the audit file). */
export interface CommitMirror {
  appendEvents(events: readonly StoredEvent[]): Promise<void>;
}

export interface EventWriterOptions {
  readonly dialect: EventStoreDialect;
  readonly serverId: string;
  /**
   * The writer-lease epoch this node holds: every append is fenced by it (DESIGN §2 invariant
   * 8). A node always has one (open-node.ts); `null` is for tests of the writer alone.
   */
  readonly leaseEpoch: number | null;
  readonly clock: () => Date;
  readonly projections: readonly TableProjection[];
  readonly mirror: CommitMirror;
  /**
   * Most commands per transaction (default 128): keeps lock hold times short, and under
   * sustained load splits the waiting commands so one batch commits while another syncs.
   */
  readonly maxBatch?: number;
  readonly onBatch?: (stats: WriterBatchStats) => void;
  /**
   * Told once when the writer stops taking appends for good: the audit file failed, or an
   * append found the writer lease held by another node.
   */
  readonly onStopped?: (error: AuditMirrorError | LeaseLostError) => void;
}

/** What the writer reports after each group commit (`onBatch`): its size, and where its time went. */
export interface WriterBatchStats {
  readonly commands: number;
  readonly events: number;
  /** from the start of the transaction until the events are mirrored to the audit file */
  readonly ms: number;
  /** how long each command waited in the queue before its transaction started */
  readonly queuedMs: readonly number[];
  /** the transaction, from its start until the database acknowledged the commit */
  readonly transactionMs: number;
  /** the write of the batch's audit lines, until they were durable */
  readonly auditFileMs: number;
}

interface Queued {
  readonly command: AppendCommand;
  /** performance.now() when append() queued it */
  readonly queuedAt: number;
  readonly resolve: (events: readonly StoredEvent[]) => void;
  readonly reject: (error: Error) => void;
}

/** A batch whose transaction has committed, waiting to be mirrored and answered. */
interface CommittedBatch {
  readonly batch: readonly Queued[];
  readonly outcomes: readonly AppendOutcome[];
  readonly started: number;
  /** performance.now() when the database acknowledged the commit */
  readonly committed: number;
}

export const DEFAULT_MAX_BATCH = 128;

/** Rows read per step when mirroring the events of a commit whose answer was lost. */
const RECONCILE_PAGE = 1000;

export class EventWriter {
  readonly #opts: EventWriterOptions;
  readonly #committed = new Subject<StoredEvent>();
  readonly #committedBatches = new Subject<readonly StoredEvent[]>();
  #queue: Queued[] = [];
  #running: Promise<void> | undefined;
  #closed: Error | undefined;
  #mirrorFailure: AuditMirrorError | undefined;
  /** Position of the last event this writer mirrored; unknown until its first batch. */
  #mirroredThrough: number | undefined;
  /** A commit failed without a clear answer: it may have landed, unmirrored. */
  #uncertain = false;

  /** Every committed and mirrored event, in position order, emitted after commit only. */
  readonly committed$: Observable<StoredEvent> = this.#committed.asObservable();

  /**
   * The same events, once per mirrored batch, after each of them went out on `committed$`: for a
   * consumer that must know what else the same commit carried (an order finalized and issued in
   * one append needs no issuance job).
   */
  readonly committedBatches$: Observable<readonly StoredEvent[]> = this.#committedBatches.asObservable();

  constructor(options: EventWriterOptions) {
    this.#opts = options;
  }

  /** Why the writer refuses appends (closed, or stopped after an audit failure or a lost lease), if it does. */
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
      this.#queue.push({ command, resolve, reject, queuedAt: performance.now() });
      this.#running ??= this.#drainQueue();
    });
  }

  /**
   * The lease was seen lost outside an append (a renewal found another holder): refuse every
   * append from now on, as if one had been fenced, without waiting for a request to try.
   */
  leaseLost(error: LeaseLostError): void {
    this.#stop(error);
    for (const queued of this.#queue.splice(0)) queued.reject(error);
  }

  /** Stop taking commands and wait for the queued ones to finish. */
  async close(): Promise<void> {
    this.#closed ??= new WriterClosedError("the event writer is closed");
    await this.#running;
    this.#committed.complete();
    this.#committedBatches.complete();
  }

  async #drainQueue(): Promise<void> {
    // Yield once so that every command issued in the same tick joins the first batch.
    await new Promise<void>((r) => setImmediate(r));
    let mirroring: Promise<void> | undefined;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#opts.maxBatch ?? DEFAULT_MAX_BATCH);
        if (this.#uncertain) {
          await mirroring; // #mirroredThrough must be final before reading past it
          mirroring = undefined;
          if (!(await this.#reconcile(batch))) continue;
        }
        const committed = await this.#commit(batch);
        await mirroring; // the previous batch is mirrored and answered before this one starts
        mirroring = undefined;
        if (committed === "isolate") {
          // One bad command (say, a projection constraint) must not fail its neighbours:
          // commit the batch's commands one at a time.
          for (const queued of batch) {
            const single = await this.#commit([queued]);
            if (single && single !== "isolate") await this.#mirrorAndAnswer(single);
          }
          continue;
        }
        if (committed) mirroring = this.#mirrorAndAnswer(committed);
        if (this.#queue.length === 0) await mirroring; // its callers may queue more meanwhile
      }
    } finally {
      // No await between the last look at the queue and here: a command queued in between
      // would find #running set and wait for a drain that never comes.
      this.#running = undefined;
    }
  }

  /**
   * Stage 1: one transaction. Undefined when every command was answered (refused), "isolate"
   * when the batch failed in a way one of its commands may have caused.
   */
  async #commit(batch: readonly Queued[]): Promise<CommittedBatch | "isolate" | undefined> {
    const started = performance.now();
    try {
      const outcomes = await this.#appendBatch(batch.map((q) => q.command));
      return { batch, outcomes, started, committed: performance.now() };
    } catch (error) {
      const failure = asStoreError(error);
      if (failure instanceof LeaseLostError) {
        // Fenced: another node holds the lease, so no command of this node may commit again.
        this.leaseLost(failure);
        for (const queued of batch) queued.reject(failure);
        return undefined;
      }
      // Lost connection: the COMMIT may have reached the database before the answer was lost.
      if (failure instanceof StoreUnavailableError) this.#uncertain = true;
      // Not when the database is unreachable: every retry would wait out the same timeout.
      if (batch.length > 1 && !(failure instanceof StoreUnavailableError)) return "isolate";
      for (const queued of batch) queued.reject(failure);
      return undefined;
    }
  }

  /**
   * Before the next batch after an unclear failure: mirror (and emit) whatever this node
   * committed after the last event it mirrored. False when it could not (database still away,
   * or the audit file failed): `batch` has then been refused.
   */
  async #reconcile(batch: readonly Queued[]): Promise<boolean> {
    const after = this.#mirroredThrough;
    if (after === undefined) {
      // Nothing mirrored by this writer yet: the next boot's re-mirror covers a lost first commit.
      this.#uncertain = false;
      return true;
    }
    try {
      for (;;) {
        const rows = await this.#opts.dialect.readByServer(this.#opts.serverId, this.#mirroredThrough ?? after, RECONCILE_PAGE);
        const events = rows.map(toStoredEvent);
        if ((await this.#mirror(events, batch)) === undefined) return false;
        if (rows.length < RECONCILE_PAGE) break;
      }
    } catch (error) {
      for (const queued of batch) queued.reject(asStoreError(error));
      return false;
    }
    this.#uncertain = false;
    return true;
  }

  /**
   * Audit file, then committed$. Resolves to how long the audit file write took, or undefined
   * when the file failed: `batch` and the queue are then refused.
   */
  async #mirror(events: readonly StoredEvent[], batch: readonly Queued[]): Promise<number | undefined> {
    const last = events.at(-1);
    if (!last) return 0;
    const writing = performance.now();
    try {
      if (this.#mirrorFailure) throw this.#mirrorFailure;
      await this.#opts.mirror.appendEvents(events);
    } catch (error) {
      if (!this.#mirrorFailure) {
        this.#mirrorFailure = new AuditMirrorError(`audit file write failed; the node stops acknowledging writes: ${String(error)}`, {
          cause: error,
        });
        this.#stop(this.#mirrorFailure);
      }
      for (const queued of [...batch, ...this.#queue.splice(0)]) queued.reject(this.#mirrorFailure);
      return undefined;
    }
    const auditFileMs = performance.now() - writing;
    this.#mirroredThrough = last.gp;
    for (const event of events) this.#committed.next(event);
    this.#committedBatches.next(events);
    return auditFileMs;
  }

  /** Stage 2: audit file, then committed$, then the callers — in position order. */
  async #mirrorAndAnswer({ batch, outcomes, started, committed }: CommittedBatch): Promise<void> {
    const events = outcomes.flatMap((o) => (o.ok ? o.events : []));
    const auditFileMs = await this.#mirror(events, batch);
    if (auditFileMs === undefined) return;
    this.#opts.onBatch?.({
      commands: batch.length,
      events: events.length,
      ms: performance.now() - started,
      queuedMs: batch.map((q) => started - q.queuedAt),
      transactionMs: committed - started,
      auditFileMs,
    });
    outcomes.forEach((outcome, i) => {
      const queued = batch[i];
      if (!queued) return;
      if (outcome.ok) queued.resolve(outcome.events);
      else queued.reject(new StreamVersionConflictError(outcome.conflict));
    });
  }

  /** The first fatal refusal wins and is told once; a plain close() is not one. */
  #stop(error: AuditMirrorError | LeaseLostError): void {
    if (this.#closed instanceof AuditMirrorError || this.#closed instanceof LeaseLostError) return;
    this.#closed = error;
    this.#opts.onStopped?.(error);
  }

  #appendBatch(commands: readonly AppendCommand[]): Promise<readonly AppendOutcome[]> {
    const { dialect, serverId, leaseEpoch, clock, projections } = this.#opts;
    return dialect.appendBatch(commands, {
      serverId,
      leaseEpoch,
      now: clock,
      project: (events) => projectBatch(projections, events),
    });
  }
}
