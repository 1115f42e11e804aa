/**
 * SQLite table definitions of the logical schema. Same SQL column names, TS property names
 * and constraint names as postgres.ts and mssql.ts, so one row type serves every dialect.
 * SQLite has one integer type (64-bit), so every bigint and timestamp is `integer`;
 * timestamps are epoch milliseconds.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, sqliteTable, text, unique } from "drizzle-orm/sqlite-core";

/** One row (id = 1): the serialization point of every append (DESIGN §2 invariant 3). */
export const esLogHead = sqliteTable(
  "es_log_head",
  {
    id: integer().primaryKey(),
    lastPosition: integer("last_position").notNull(),
    lastHash: text("last_hash", { length: 64 }).notNull(),
  },
  (t) => [check("es_log_head_single_row", sql`${t.id} = 1`)],
);

export const esStreams = sqliteTable("es_streams", {
  streamId: text("stream_id", { length: 200 }).primaryKey(),
  streamType: text("stream_type", { length: 64 }).notNull(),
  version: integer().notNull(),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/**
 * Append-only (triggers in the append_only migration). `position` is assigned by the
 * appender from es_log_head, never by AUTOINCREMENT: a sequence would hand out positions in
 * start order, not commit order.
 */
export const esEvents = sqliteTable(
  "es_events",
  {
    position: integer().primaryKey(),
    eventId: text("event_id", { length: 36 }).notNull(),
    streamId: text("stream_id", { length: 200 }).notNull(),
    streamVersion: integer("stream_version").notNull(),
    eventType: text("event_type", { length: 128 }).notNull(),
    schemaVersion: integer("schema_version").notNull(),
    recordedAt: integer("recorded_at").notNull(),
    serverId: text("server_id", { length: 36 }).notNull(),
    body: text().notNull(),
    hash: text({ length: 64 }).notNull(),
  },
  (t) => [
    unique("es_events_event_id_unique").on(t.eventId),
    unique("es_events_stream_version_unique").on(t.streamId, t.streamVersion),
    index("es_events_server_position_idx").on(t.serverId, t.position),
  ],
);

/** Node registry: operational, written directly (not a projection). */
export const servers = sqliteTable("servers", {
  serverId: text("server_id", { length: 36 }).primaryKey(),
  hostname: text({ length: 255 }).notNull(),
  firstSeen: integer("first_seen").notNull(),
  lastSeen: integer("last_seen").notNull(),
});

/** Projection table (projections/tables/node-boots.ts); written only through RowChange. */
export const nodeBoots = sqliteTable("node_boots", {
  bootId: text("boot_id", { length: 36 }).primaryKey(),
  serverId: text("server_id", { length: 36 }).notNull(),
  hostname: text({ length: 255 }).notNull(),
  pid: integer().notNull(),
  version: text({ length: 64 }).notNull(),
  startedAt: integer("started_at").notNull(),
  startedPosition: integer("started_position").notNull(),
  stoppedAt: integer("stopped_at"),
  stopReason: text("stop_reason", { length: 32 }),
  uptimeMs: integer("uptime_ms"),
});

/**
 * Projection table (projections/tables/accounts.ts); written only through RowChange. The
 * unique thumbprint is the key index: one key, one account (RFC 8555 §7.3.1, §7.3.5).
 */
export const acmeAccounts = sqliteTable(
  "acme_accounts",
  {
    accountId: text("account_id", { length: 36 }).primaryKey(),
    thumbprint: text({ length: 64 }).notNull(),
    jwk: text().notNull(),
    contact: text().notNull(),
    status: text({ length: 16 }).notNull(),
    tosAgreed: integer("tos_agreed", { mode: "boolean" }).notNull(),
    eabKeyId: text("eab_key_id", { length: 128 }),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [unique("acme_accounts_thumbprint_unique").on(t.thumbprint)],
);
