/**
 * SQL Server table definitions of the logical schema (same SQL column names and TS property
 * names as sqlite.ts and postgres.ts; the parity test in test/dialects holds them together).
 * Timestamps are epoch milliseconds in BIGINT; `body` is NVARCHAR(MAX) because it must hold
 * the exact canonical text that was hashed (DESIGN §2 invariant 5), whatever characters it has.
 * Identifiers are ASCII, so they use VARCHAR/CHAR, and the dialect binds them with the same
 * types so that SQL Server never converts the indexed column to compare it.
 */
import { sql } from "drizzle-orm";
import { bigint, bit, char, check, index, int, mssqlTable, nvarchar, smallint, unique, varchar } from "drizzle-orm/mssql-core";

/** The serialization point of every append: exactly one row, id = 1 (inserted by a migration). */
export const esLogHead = mssqlTable(
  "es_log_head",
  {
    id: smallint("id").primaryKey(),
    lastPosition: bigint("last_position", { mode: "number" }).notNull(),
    lastHash: char("last_hash", { length: 64 }).notNull(),
  },
  // Unqualified column name: drizzle would render `[es_log_head].[id]`, and a plain column
  // reference is the form every SQL Server version documents for CHECK constraints.
  () => [check("es_log_head_single_row", sql`[id] = 1`)],
);

export const esStreams = mssqlTable("es_streams", {
  streamId: varchar("stream_id", { length: 200 }).primaryKey(),
  streamType: varchar("stream_type", { length: 64 }).notNull(),
  version: bigint("version", { mode: "number" }).notNull(),
  createdAt: bigint("created_at", { mode: "number" }).notNull(),
  updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
});

/** Append-only: a trigger (migration append_only) refuses UPDATE and DELETE. */
export const esEvents = mssqlTable(
  "es_events",
  {
    // Assigned by the appender from es_log_head, never IDENTITY: an identity value read with
    // `position > x` would skip transactions that commit late (DESIGN §2 invariant 3).
    position: bigint("position", { mode: "number" }).primaryKey(),
    eventId: char("event_id", { length: 36 }).notNull(),
    streamId: varchar("stream_id", { length: 200 }).notNull(),
    streamVersion: bigint("stream_version", { mode: "number" }).notNull(),
    eventType: varchar("event_type", { length: 128 }).notNull(),
    schemaVersion: int("schema_version").notNull(),
    recordedAt: bigint("recorded_at", { mode: "number" }).notNull(),
    serverId: char("server_id", { length: 36 }).notNull(),
    body: nvarchar("body", { length: "max" }).notNull(),
    hash: char("hash", { length: 64 }).notNull(),
  },
  (t) => [
    unique("es_events_event_id_unique").on(t.eventId),
    unique("es_events_stream_version_unique").on(t.streamId, t.streamVersion),
    index("es_events_server_position_idx").on(t.serverId, t.position),
  ],
);

/** Node registry: an operational table written directly, not a projection. */
export const servers = mssqlTable("servers", {
  serverId: char("server_id", { length: 36 }).primaryKey(),
  hostname: varchar("hostname", { length: 255 }).notNull(),
  firstSeen: bigint("first_seen", { mode: "number" }).notNull(),
  lastSeen: bigint("last_seen", { mode: "number" }).notNull(),
  /**
   * The node's audit head (DESIGN §2 invariant 7): line count and hash of the last line its
   * audit file held on disk at the last heartbeat or clean stop; null until then, or with
   * audit.enabled false. A file shorter than this was cut (verify, boot).
   */
  auditLines: bigint("audit_lines", { mode: "number" }),
  auditHeadHash: char("audit_head_hash", { length: 64 }),
  /**
   * What the node last said it is (issue 7): \`active\` when it booted or took over the lease,
   * \`standby\` while it follows the log waiting for the lease, \`stopped\` after a clean stop.
   * Null for rows written before this column. A killed node cannot update it, so readers hold
   * it against last_seen and the lease (\`audit list-servers\`).
   */
  role: varchar("role", { length: 16, enum: ["active", "standby", "stopped"] }),
});

/**
 * The writer lease (DESIGN §2 invariant 8): one row (id = 1) naming the only node allowed to
 * append, with a fencing epoch that grows at every acquisition. Written only under the head-row
 * lock (acquire) or by its holder (renew, release); never deleted, so the epoch never repeats.
 */
export const nodeLease = mssqlTable(
  "node_lease",
  {
    id: smallint("id").primaryKey(),
    holderServerId: char("holder_server_id", { length: 36 }).notNull(),
    holderHostname: varchar("holder_hostname", { length: 255 }).notNull(),
    epoch: bigint("epoch", { mode: "number" }).notNull(),
    acquiredAt: bigint("acquired_at", { mode: "number" }).notNull(),
    renewedAt: bigint("renewed_at", { mode: "number" }).notNull(),
    expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
  },
  () => [check("node_lease_single_row", sql`[id] = 1`)],
);

/**
 * An unfinished `projections rebuild` (one row, id = 1): the log position up to which the
 * projection tables have been rebuilt, written in the same transaction as the rows of each
 * batch, so a rebuild killed midway resumes there. While the row exists the tables are
 * incomplete: `serve` refuses to start. Deleted by the transaction that writes the last batch.
 */
export const projectionRebuild = mssqlTable(
  "projection_rebuild",
  {
    id: smallint("id").primaryKey(),
    position: bigint("position", { mode: "number" }).notNull(),
    startedAt: bigint("started_at", { mode: "number" }).notNull(),
  },
  () => [check("projection_rebuild_single_row", sql`[id] = 1`)],
);

/** Projection table (projections/tables/node-boots.ts): written only through RowChange. */
export const nodeBoots = mssqlTable("node_boots", {
  bootId: char("boot_id", { length: 36 }).primaryKey(),
  serverId: char("server_id", { length: 36 }).notNull(),
  hostname: varchar("hostname", { length: 255 }).notNull(),
  pid: int("pid").notNull(),
  version: varchar("version", { length: 64 }).notNull(),
  startedAt: bigint("started_at", { mode: "number" }).notNull(),
  startedPosition: bigint("started_position", { mode: "number" }).notNull(),
  stoppedAt: bigint("stopped_at", { mode: "number" }),
  stopReason: varchar("stop_reason", { length: 32 }),
  uptimeMs: bigint("uptime_ms", { mode: "number" }),
});

/**
 * Projection table (projections/tables/accounts.ts): written only through RowChange. The
 * unique thumbprint is the key index: one key, one account (RFC 8555 §7.3.1, §7.3.5). A JWK is
 * ASCII (base64url members), so VARCHAR; contacts are NVARCHAR in case a later policy accepts
 * internationalised addresses.
 */
export const acmeAccounts = mssqlTable(
  "acme_accounts",
  {
    accountId: char("account_id", { length: 36 }).primaryKey(),
    thumbprint: varchar("thumbprint", { length: 64 }).notNull(),
    jwk: varchar("jwk", { length: "max" }).notNull(),
    contact: nvarchar("contact", { length: "max" }).notNull(),
    status: varchar("status", { length: 16 }).notNull(),
    tosAgreed: bit("tos_agreed").notNull(),
    eabKeyId: varchar("eab_key_id", { length: 128 }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [unique("acme_accounts_thumbprint_unique").on(t.thumbprint)],
);

/**
 * Projection tables of the order aggregate (projections/tables/orders.ts); written only through
 * RowChange. Indexes serve the reads ACME makes: an account's orders, reusable authorizations by
 * identifier, challenges waiting for validation, the replacement check of RFC 9773 §5, and
 * certificates by (aki, serial) (RFC 9773 certID) and by key (RFC 8555 §7.6).
 */
export const acmeOrders = mssqlTable(
  "acme_orders",
  {
    orderId: char("order_id", { length: 36 }).primaryKey(),
    accountId: char("account_id", { length: 36 }).notNull(),
    status: varchar("status", { length: 16 }).notNull(),
    identifiers: varchar("identifiers", { length: "max" }).notNull(),
    identifiersHash: varchar("identifiers_hash", { length: 64 }).notNull(),
    profile: varchar("profile", { length: 64 }),
    notBefore: bigint("not_before", { mode: "number" }),
    notAfter: bigint("not_after", { mode: "number" }),
    expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
    authorizationIds: varchar("authorization_ids", { length: "max" }).notNull(),
    error: varchar("error", { length: "max" }),
    certificateId: char("certificate_id", { length: 36 }),
    replacesCertificateId: char("replaces_certificate_id", { length: 36 }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [
    index("acme_orders_account_idx").on(t.accountId, t.orderId),
    index("acme_orders_status_idx").on(t.status),
    index("acme_orders_replaces_idx").on(t.replacesCertificateId),
  ],
);

export const acmeAuthorizations = mssqlTable(
  "acme_authorizations",
  {
    authzId: char("authz_id", { length: 36 }).primaryKey(),
    orderId: char("order_id", { length: 36 }).notNull(),
    accountId: char("account_id", { length: 36 }).notNull(),
    identifierType: varchar("identifier_type", { length: 8 }).notNull(),
    identifierValue: varchar("identifier_value", { length: 253 }).notNull(),
    wildcard: bit("wildcard").notNull(),
    status: varchar("status", { length: 16 }).notNull(),
    expiresAt: bigint("expires_at", { mode: "number" }).notNull(),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [index("acme_authorizations_account_identifier_idx").on(t.accountId, t.identifierValue)],
);

export const acmeChallenges = mssqlTable(
  "acme_challenges",
  {
    challengeId: char("challenge_id", { length: 36 }).primaryKey(),
    authzId: char("authz_id", { length: 36 }).notNull(),
    orderId: char("order_id", { length: 36 }).notNull(),
    accountId: char("account_id", { length: 36 }).notNull(),
    type: varchar("type", { length: 16 }).notNull(),
    token: varchar("token", { length: 64 }).notNull(),
    status: varchar("status", { length: 16 }).notNull(),
    keyAuthorization: varchar("key_authorization", { length: 200 }),
    validatedAt: bigint("validated_at", { mode: "number" }),
    error: varchar("error", { length: "max" }),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [index("acme_challenges_authz_idx").on(t.authzId), index("acme_challenges_status_idx").on(t.status)],
);

export const acmeCertificates = mssqlTable(
  "acme_certificates",
  {
    certificateId: char("certificate_id", { length: 36 }).primaryKey(),
    orderId: char("order_id", { length: 36 }).notNull(),
    accountId: char("account_id", { length: 36 }).notNull(),
    authority: varchar("authority", { length: 64 }).notNull(),
    serial: varchar("serial", { length: 64 }).notNull(),
    aki: varchar("aki", { length: 128 }).notNull(),
    identifiers: varchar("identifiers", { length: "max" }).notNull(),
    identifiersHash: varchar("identifiers_hash", { length: 64 }).notNull(),
    notBefore: bigint("not_before", { mode: "number" }).notNull(),
    notAfter: bigint("not_after", { mode: "number" }).notNull(),
    chainPem: varchar("chain_pem", { length: "max" }).notNull(),
    spkiSha256: varchar("spki_sha256", { length: 64 }).notNull(),
    status: varchar("status", { length: 16 }).notNull(),
    revokedAt: bigint("revoked_at", { mode: "number" }),
    revocationReason: int("revocation_reason"),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
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
 * `bound_account_id`. Name rules are A-labels (ASCII); the operator's note is free text.
 */
export const acmeEabKeys = mssqlTable(
  "acme_eab_keys",
  {
    keyId: varchar("key_id", { length: 128 }).primaryKey(),
    status: varchar("status", { length: 16 }).notNull(),
    boundAccountId: char("bound_account_id", { length: 36 }),
    allowedNames: varchar("allowed_names", { length: "max" }).notNull(),
    allowedProfiles: varchar("allowed_profiles", { length: "max" }).notNull(),
    note: nvarchar("note", { length: 256 }),
    createdAt: bigint("created_at", { mode: "number" }).notNull(),
    updatedAt: bigint("updated_at", { mode: "number" }).notNull(),
  },
  (t) => [index("acme_eab_keys_bound_account_idx").on(t.boundAccountId)],
);
