/**
 * The one interface every database dialect implements (SQLite, PostgreSQL, SQL Server). The
 * shared suite in test/dialects runs against each of them. Everything dialect-neutral (building
 * envelopes, hashing, stream-version checks) lives in plan-append.ts so that the dialects only
 * do I/O.
 */
import type { EventMeta, PendingEvent, StoredEvent } from "../../events/index.js";
import type { ProjectionTableName, Row, RowChange } from "../../projections/row-change.js";
import type { OrderStatusCounts } from "./order-status-counts.js";

export type DatabaseDriver = "sqlite" | "postgres" | "sqlserver";

/**
 * `number`: the stream must be at exactly this version (0 = the stream must not exist yet).
 * `"any"`: append at whatever version the stream is.
 */
export type ExpectedVersion = number | "any";

export interface AppendCommand {
  readonly streamId: string;
  readonly expectedVersion: ExpectedVersion;
  readonly events: readonly PendingEvent[];
  /** request context copied into every event's meta; `node` and `epoch` are filled in by the store */
  readonly meta?: Omit<EventMeta, "node" | "epoch">;
}

export interface StreamVersionConflict {
  readonly kind: "stream-version-conflict";
  readonly streamId: string;
  readonly expected: ExpectedVersion;
  readonly actual: number;
}

export type AppendOutcome =
  | { readonly ok: true; readonly events: readonly StoredEvent[] }
  | { readonly ok: false; readonly conflict: StreamVersionConflict };

export interface AppendContext {
  /** server_id of the appending node, stored in every event */
  readonly serverId: string;
  /**
   * The writer-lease epoch this node appends under (DESIGN §2 invariant 8). The append checks,
   * under the head-row lock, that the lease row still names this node at this epoch, and throws
   * LeaseLostError otherwise; the epoch is stored in each event's meta. `null` appends without
   * fencing: only for tests of the log itself, never for a node (the writer always passes one).
   */
  readonly leaseEpoch: number | null;
  /** the injected clock, read once per batch inside the lock */
  readonly now: () => Date;
  /**
   * Inline projections: run inside the append transaction on the events that are about to be
   * committed. Must be synchronous (SQLite transactions are).
   */
  readonly project: (events: readonly StoredEvent[]) => readonly RowChange[];
}

/** Putting back events sealed elsewhere (`events recover`): who imports, under which lease. */
export interface ImportContext {
  /** the node running the import; it must hold the writer lease at `leaseEpoch` */
  readonly serverId: string;
  /** checked under the head-row lock like an append's; `null` imports unfenced (a fresh replica, tests) */
  readonly leaseEpoch: number | null;
  /** inline projections, run in the import transaction as for an append */
  readonly project: (events: readonly StoredEvent[]) => readonly RowChange[];
}

export interface ImportOutcome {
  readonly head: LogHead;
  /**
   * The importer's lease epoch after the import: raised past the highest epoch the imported
   * events record (lease.ts epochAfterImport), so later acquisitions never reuse one. null when
   * the import was unfenced.
   */
  readonly leaseEpoch: number | null;
}

/** One row of the events table, every column as stored. */
export interface EventRow {
  readonly position: number;
  readonly eventId: string;
  readonly streamId: string;
  readonly streamVersion: number;
  readonly eventType: string;
  readonly schemaVersion: number;
  readonly recordedAt: number;
  readonly serverId: string;
  readonly body: string;
  readonly hash: string;
}

export interface LogHead {
  readonly position: number;
  readonly hash: string;
}

export interface ServerRow {
  readonly serverId: string;
  readonly hostname: string;
  /** epoch milliseconds */
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** the audit head last recorded for the node (both null before any), see AuditHead */
  readonly auditLines: number | null;
  readonly auditHeadHash: string | null;
  /** what the node last said it is; null for rows written before the column existed */
  readonly role: ServerRole | null;
}

/**
 * A node's role as it records it in `servers` (issue 7): `active` when it boots with the lease
 * or takes it over, `standby` while it waits for the lease, `stopped` after a clean stop. A
 * killed node cannot update it: readers hold it against the lease and last_seen.
 */
export type ServerRole = "active" | "standby" | "stopped";

/**
 * How far a node's audit file reached on disk: its line count and the hash of its last line
 * (DESIGN §2 invariant 7). Recorded at every heartbeat and at a clean stop, so the database
 * can tell when a file was cut short, which the file's own chain cannot show.
 */
export interface AuditHead {
  readonly lines: number;
  readonly hash: string;
}

/** The writer lease (DESIGN §2 invariant 8): who may append, at which epoch, until when (epoch ms). */
export interface LeaseRow {
  readonly holderServerId: string;
  readonly holderHostname: string;
  /** fencing epoch: +1 at every acquisition, never reused */
  readonly epoch: number;
  readonly acquiredAt: number;
  readonly renewedAt: number;
  readonly expiresAt: number;
}

/** A node asking for the lease at boot. */
export interface LeaseRequest {
  readonly serverId: string;
  readonly hostname: string;
  readonly now: Date;
  readonly ttlMs: number;
  /** take it even when another node holds it and it has not expired (`serve --force-takeover`) */
  readonly force: boolean;
}

export type LeaseAcquisition =
  | { readonly ok: true; readonly lease: LeaseRow; readonly previous: LeaseRow | null }
  | { readonly ok: false; readonly holder: LeaseRow };

/** What a holder knows of its own lease: renewals and releases succeed only while both match. */
export interface LeaseClaim {
  readonly serverId: string;
  readonly epoch: number;
}

export type LeaseRenewal =
  | { readonly ok: true; readonly lease: LeaseRow }
  | { readonly ok: false; readonly current: LeaseRow | null };

export interface MigrationStatus {
  /** names of migrations shipped with this build, in order */
  readonly known: readonly string[];
  readonly applied: readonly string[];
  readonly pending: readonly string[];
}

export interface RebuildProgress {
  readonly position: number;
  readonly head: number;
}

/** An unfinished rebuild: the tables hold the projection of the log up to `position`. */
export interface RebuildCheckpoint {
  readonly position: number;
  /** epoch ms when the rebuild began (its first batch) */
  readonly startedAt: number;
}

export interface RebuildOptions {
  /**
   * events per committed batch (one checkpoint each); default 1000. Infinity: the whole rest of
   * the log in one transaction (appends wait for it; how it runs beside a serving node).
   */
  readonly batchSize?: number;
  /** the clock that stamps a new checkpoint */
  readonly now?: () => Date;
}

/** Events per rebuild batch when not told: bounds memory, amortises a commit per batch. */
export const DEFAULT_REBUILD_BATCH = 1000;

export interface EventStoreDialect {
  readonly driver: DatabaseDriver;

  /** Round trip to the database; rejects when it is unreachable. */
  ping(): Promise<void>;
  /**
   * Apply pending migrations (each in its own transaction). Refuses, changing nothing, a
   * database that holds migrations this build does not know, or whose applied migration text
   * differs from this build's.
   */
  migrate(): Promise<MigrationStatus>;
  migrationStatus(): Promise<MigrationStatus>;
  /** The SQL that `migrate` would run now, for `certeasy migrate --sql`. */
  pendingSql(): Promise<string>;

  /**
   * Group commit: all commands in one transaction under the head-row lock. A command whose
   * stream version does not match gets a conflict outcome and appends nothing; the others
   * commit. Rejects (committing nothing) on a database error.
   */
  appendBatch(commands: readonly AppendCommand[], ctx: AppendContext): Promise<readonly AppendOutcome[]>;

  /**
   * Insert events sealed elsewhere with their envelopes unchanged, in one transaction under the
   * head-row lock: each must continue the log (next position, prev = head hash, next stream
   * version; plan-import.ts), or nothing is inserted (EventImportRefused). Streams, head and
   * inline projections are written as an append would.
   */
  importEvents(events: readonly StoredEvent[], ctx: ImportContext): Promise<ImportOutcome>;

  head(): Promise<LogHead>;
  /** Events with position > after, in position order, at most `limit`. */
  readAll(after: number, limit: number): Promise<readonly EventRow[]>;
  readStream(streamId: string): Promise<readonly EventRow[]>;
  /** Events appended by one node with position > after, in position order. */
  readByServer(serverId: string, after: number, limit: number): Promise<readonly EventRow[]>;

  /** Insert the node or refresh it (hostname, last_seen, role); tells whether the row is new. */
  registerServer(serverId: string, hostname: string, now: Date, role: ServerRole): Promise<{ readonly firstBoot: boolean }>;
  /** Refresh `last_seen`, and the recorded audit head and the role when given (kept otherwise). */
  touchServer(serverId: string, now: Date, auditHead?: AuditHead, role?: ServerRole): Promise<void>;
  /** newest `last_seen` first */
  listServers(): Promise<readonly ServerRow[]>;

  /**
   * Take the writer lease under the head-row lock, so that no append is half-way through when
   * it changes hands. Refused (changing nothing) with the holder when another node holds it
   * unexpired, unless `force`. The same node may always take it again (a restart after a crash).
   */
  acquireLease(request: LeaseRequest): Promise<LeaseAcquisition>;
  /** Push the expiry to now + ttl, only while the row still names this claim's node and epoch. */
  renewLease(claim: LeaseClaim, now: Date, ttlMs: number): Promise<LeaseRenewal>;
  /** Expire the lease now (clean stop), only while it still names this claim; true if it did. */
  releaseLease(claim: LeaseClaim, now: Date): Promise<boolean>;
  /** null before any node has ever taken it */
  readLease(): Promise<LeaseRow | null>;

  /**
   * Rows of a projection table, ordered by every column, for comparisons and reads; `where`
   * keeps the rows whose columns (TS property names) equal the given values, e.g. the account
   * with a key thumbprint.
   */
  readProjection(table: ProjectionTableName, where?: Row): Promise<readonly Record<string, unknown>[]>;
  /**
   * One page of an account's orders list (RFC 8555 §7.1.2.1): its orders whose id sorts after
   * `after` ("" for the first page), in id order (UUIDv7: creation order), at most `limit`, read
   * through the (account_id, order_id) index — a page costs its own rows, not the account's
   * whole history.
   */
  readOrdersPage(accountId: string, after: string, limit: number): Promise<readonly Record<string, unknown>[]>;
  /**
   * Orders by the status a client would read at `now` (order-status-counts.ts): one grouped
   * COUNT on the orders table, a scan of it. Not for every scrape: `/metrics` reads the order
   * status tally folded from the log; this is the table's side of that number (tests, bench).
   */
  countOrdersByStatus(now: Date): Promise<OrderStatusCounts>;
  /**
   * Truncate the projection tables and replay the whole log through `project`, in batches: each
   * batch commits its rows together with the checkpoint (the position reached) in one
   * transaction holding the head lock, so a rebuild killed midway resumes from its last
   * checkpoint on the next call instead of starting over. The transaction of the last batch
   * deletes the checkpoint. Appends between batches would be projected onto incomplete tables:
   * beside a serving node, run it as one batch (`batchSize: Infinity`).
   */
  rebuildProjections(
    project: (events: readonly StoredEvent[]) => readonly RowChange[],
    onProgress?: (p: RebuildProgress) => void,
    options?: RebuildOptions,
  ): Promise<RebuildProgress>;
  /** The checkpoint of an unfinished rebuild; null when none is pending. */
  readRebuildCheckpoint(): Promise<RebuildCheckpoint | null>;

  close(): Promise<void>;
}
