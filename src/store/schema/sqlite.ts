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
  /**
   * The node's audit head (DESIGN §2 invariant 7): line count and hash of the last line its
   * audit file held on disk at the last heartbeat or clean stop; null until then, or with
   * audit.enabled false. A file shorter than this was cut (verify, boot).
   */
  auditLines: integer("audit_lines"),
  auditHeadHash: text("audit_head_hash", { length: 64 }),
  /**
   * What the node last said it is (issue 7): \`active\` when it booted or took over the lease,
   * \`standby\` while it follows the log waiting for the lease, \`stopped\` after a clean stop.
   * Null for rows written before this column. A killed node cannot update it, so readers hold
   * it against last_seen and the lease (\`audit list-servers\`).
   */
  role: text({ length: 16, enum: ["active", "standby", "stopped"] }),
});

/**
 * The writer lease (DESIGN §2 invariant 8): one row (id = 1) naming the only node allowed to
 * append, with a fencing epoch that grows at every acquisition. Written only under the head-row
 * lock (acquire) or by its holder (renew, release); never deleted, so the epoch never repeats.
 */
export const nodeLease = sqliteTable(
  "node_lease",
  {
    id: integer().primaryKey(),
    holderServerId: text("holder_server_id", { length: 36 }).notNull(),
    holderHostname: text("holder_hostname", { length: 255 }).notNull(),
    epoch: integer().notNull(),
    acquiredAt: integer("acquired_at").notNull(),
    renewedAt: integer("renewed_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [check("node_lease_single_row", sql`${t.id} = 1`)],
);

/**
 * An unfinished `projections rebuild` (one row, id = 1): the log position up to which the
 * projection tables have been rebuilt, written in the same transaction as the rows of each
 * batch, so a rebuild killed midway resumes there. While the row exists the tables are
 * incomplete: `serve` refuses to start. Deleted by the transaction that writes the last batch.
 */
export const projectionRebuild = sqliteTable(
  "projection_rebuild",
  {
    id: integer().primaryKey(),
    position: integer().notNull(),
    startedAt: integer("started_at").notNull(),
  },
  (t) => [check("projection_rebuild_single_row", sql`${t.id} = 1`)],
);

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

/**
 * Projection tables of the order aggregate (projections/tables/orders.ts); written only through
 * RowChange. Indexes serve the reads ACME makes: an account's orders, reusable authorizations by
 * identifier, challenges waiting for validation, the replacement check of RFC 9773 §5, and
 * certificates by (aki, serial) (RFC 9773 certID) and by key (RFC 8555 §7.6).
 */
export const acmeOrders = sqliteTable(
  "acme_orders",
  {
    orderId: text("order_id", { length: 36 }).primaryKey(),
    accountId: text("account_id", { length: 36 }).notNull(),
    status: text({ length: 16 }).notNull(),
    identifiers: text().notNull(),
    identifiersHash: text("identifiers_hash", { length: 64 }).notNull(),
    profile: text({ length: 64 }),
    notBefore: integer("not_before"),
    notAfter: integer("not_after"),
    expiresAt: integer("expires_at").notNull(),
    authorizationIds: text("authorization_ids").notNull(),
    error: text(),
    certificateId: text("certificate_id", { length: 36 }),
    replacesCertificateId: text("replaces_certificate_id", { length: 36 }),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    index("acme_orders_account_idx").on(t.accountId, t.orderId),
    index("acme_orders_status_idx").on(t.status),
    index("acme_orders_replaces_idx").on(t.replacesCertificateId),
  ],
);

export const acmeAuthorizations = sqliteTable(
  "acme_authorizations",
  {
    authzId: text("authz_id", { length: 36 }).primaryKey(),
    orderId: text("order_id", { length: 36 }).notNull(),
    accountId: text("account_id", { length: 36 }).notNull(),
    identifierType: text("identifier_type", { length: 8 }).notNull(),
    identifierValue: text("identifier_value", { length: 253 }).notNull(),
    wildcard: integer({ mode: "boolean" }).notNull(),
    status: text({ length: 16 }).notNull(),
    expiresAt: integer("expires_at").notNull(),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("acme_authorizations_account_identifier_idx").on(t.accountId, t.identifierValue)],
);

export const acmeChallenges = sqliteTable(
  "acme_challenges",
  {
    challengeId: text("challenge_id", { length: 36 }).primaryKey(),
    authzId: text("authz_id", { length: 36 }).notNull(),
    orderId: text("order_id", { length: 36 }).notNull(),
    accountId: text("account_id", { length: 36 }).notNull(),
    type: text({ length: 16 }).notNull(),
    token: text({ length: 64 }).notNull(),
    status: text({ length: 16 }).notNull(),
    keyAuthorization: text("key_authorization", { length: 200 }),
    validatedAt: integer("validated_at"),
    error: text(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("acme_challenges_authz_idx").on(t.authzId), index("acme_challenges_status_idx").on(t.status)],
);

export const acmeCertificates = sqliteTable(
  "acme_certificates",
  {
    certificateId: text("certificate_id", { length: 36 }).primaryKey(),
    orderId: text("order_id", { length: 36 }).notNull(),
    accountId: text("account_id", { length: 36 }).notNull(),
    authority: text({ length: 64 }).notNull(),
    serial: text({ length: 64 }).notNull(),
    aki: text({ length: 128 }).notNull(),
    identifiers: text().notNull(),
    identifiersHash: text("identifiers_hash", { length: 64 }).notNull(),
    notBefore: integer("not_before").notNull(),
    notAfter: integer("not_after").notNull(),
    chainPem: text("chain_pem").notNull(),
    spkiSha256: text("spki_sha256", { length: 64 }).notNull(),
    status: text({ length: 16 }).notNull(),
    revokedAt: integer("revoked_at"),
    revocationReason: integer("revocation_reason"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    unique("acme_certificates_aki_serial_unique").on(t.aki, t.serial),
    index("acme_certificates_spki_idx").on(t.spkiSha256),
    index("acme_certificates_account_idx").on(t.accountId, t.identifiersHash),
  ],
);

/**
 * Projection table of the EAB keys (projections/tables/eab-keys.ts); written only through
 * RowChange. No key material, not even encrypted. newOrder finds a bound account's scope by
 * `bound_account_id`.
 */
export const acmeEabKeys = sqliteTable(
  "acme_eab_keys",
  {
    keyId: text("key_id", { length: 128 }).primaryKey(),
    status: text({ length: 16 }).notNull(),
    boundAccountId: text("bound_account_id", { length: 36 }),
    allowedNames: text("allowed_names").notNull(),
    allowedProfiles: text("allowed_profiles").notNull(),
    note: text({ length: 256 }),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [index("acme_eab_keys_bound_account_idx").on(t.boundAccountId)],
);
