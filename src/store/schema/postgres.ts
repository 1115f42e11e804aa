/**
 * PostgreSQL table definitions of the logical schema. Same SQL column names, TS property names
 * and constraint names as sqlite.ts and mssql.ts. `body` is TEXT, never JSONB: JSONB reorders
 * keys and rewrites numbers, and the hash covers the exact stored text (DESIGN §2 invariant 5).
 * Timestamps are epoch milliseconds in BIGINT, read back as JS numbers.
 */
import { sql } from "drizzle-orm";
import { bigint, boolean, char, check, index, integer, pgTable, smallint, text, unique, varchar } from "drizzle-orm/pg-core";

/** One row (id = 1): the serialization point of every append (DESIGN §2 invariant 3). */
export const esLogHead = pgTable(
  "es_log_head",
  {
    id: smallint().primaryKey(),
    lastPosition: bigint("last_position", { mode: "number" }).notNull(),
    lastHash: char("last_hash", { length: 64 }).notNull(),
  },
  (t) => [check("es_log_head_single_row", sql`${t.id} = 1`)],
);

export const esStreams = pgTable("es_streams", {
  streamId: varchar("stream_id", { length: 200 }).primaryKey(),
  streamType: varchar("stream_type", { length: 64 }).notNull(),
  version: bigint({ mode: "number" }).notNull(),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
  updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
});

/**
 * Append-only (trigger in the append_only migration). `position` is assigned by the appender
 * under the head-row lock, never by a sequence or IDENTITY: those are handed out in start
 * order, so a reader polling `position > x` would skip a late commit.
 */
export const esEvents = pgTable(
  "es_events",
  {
    position: bigint({ mode: "number" }).primaryKey(),
    eventId: char("event_id", { length: 36 }).notNull(),
    streamId: varchar("stream_id", { length: 200 }).notNull(),
    streamVersion: bigint("stream_version", { mode: "number" }).notNull(),
    eventType: varchar("event_type", { length: 128 }).notNull(),
    schemaVersion: integer("schema_version").notNull(),
    recordedAt: bigint("recorded_at", { mode: "number" }).notNull(),
    serverId: char("server_id", { length: 36 }).notNull(),
    body: text().notNull(),
    hash: char({ length: 64 }).notNull(),
  },
  (t) => [
    unique("es_events_event_id_unique").on(t.eventId),
    unique("es_events_stream_version_unique").on(t.streamId, t.streamVersion),
    index("es_events_server_position_idx").on(t.serverId, t.position),
  ],
);

/** Node registry: operational, written directly (not a projection). */
export const servers = pgTable("servers", {
  serverId: char("server_id", { length: 36 }).primaryKey(),
  hostname: varchar({ length: 255 }).notNull(),
  firstSeen: bigint("first_seen", { mode: "number" }).notNull(),
  lastSeen: bigint("last_seen", { mode: "number" }).notNull(),
});

/** Projection table (projections/tables/node-boots.ts); written only through RowChange. */
export const nodeBoots = pgTable("node_boots", {
  bootId: char("boot_id", { length: 36 }).primaryKey(),
  serverId: char("server_id", { length: 36 }).notNull(),
  hostname: varchar({ length: 255 }).notNull(),
  pid: integer().notNull(),
  version: varchar({ length: 64 }).notNull(),
  startedAt: bigint("started_at", { mode: "number" }).notNull(),
  startedPosition: bigint("started_position", { mode: "number" }).notNull(),
  stoppedAt: bigint("stopped_at", { mode: "number" }),
  stopReason: varchar("stop_reason", { length: 32 }),
  uptimeMs: bigint("uptime_ms", { mode: "number" }),
});

/**
 * Projection table (projections/tables/accounts.ts); written only through RowChange. The
 * unique thumbprint is the key index: one key, one account (RFC 8555 §7.3.1, §7.3.5).
 */
export const acmeAccounts = pgTable(
  "acme_accounts",
  {
    accountId: char("account_id", { length: 36 }).primaryKey(),
    thumbprint: varchar({ length: 64 }).notNull(),
    jwk: text().notNull(),
    contact: text().notNull(),
    status: varchar({ length: 16 }).notNull(),
    tosAgreed: boolean("tos_agreed").notNull(),
    eabKeyId: varchar("eab_key_id", { length: 128 }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [unique("acme_accounts_thumbprint_unique").on(t.thumbprint)],
);
