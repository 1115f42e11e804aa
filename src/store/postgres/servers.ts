/** The node registry (`servers`) on PostgreSQL: operational rows, written directly. */
import { asc, desc, eq } from "drizzle-orm";
import type { AuditHead, ServerRole, ServerRow } from "../dialect.js";
import { servers } from "../schema/postgres.js";
import type { PostgresConnection } from "./connection.js";

/**
 * Insert the node, or refresh its hostname, last_seen and role; first_seen is kept. ON CONFLICT DO
 * NOTHING decides "first boot" atomically even if two processes register the same id at once.
 */
export async function registerServer(
  { db }: PostgresConnection,
  serverId: string,
  hostname: string,
  now: Date,
  role: ServerRole,
): Promise<{ firstBoot: boolean }> {
  const at = Math.floor(now.getTime());
  return db.transaction(async (tx) => {
    const inserted = await tx
      .insert(servers)
      .values({ serverId, hostname, firstSeen: at, lastSeen: at, role })
      .onConflictDoNothing()
      .returning({ serverId: servers.serverId });
    if (inserted.length > 0) return { firstBoot: true };
    await tx.update(servers).set({ hostname, lastSeen: at, role }).where(eq(servers.serverId, serverId));
    return { firstBoot: false };
  });
}

export async function touchServer({ db }: PostgresConnection, serverId: string, now: Date, auditHead?: AuditHead, role?: ServerRole): Promise<void> {
  await db
    .update(servers)
    .set({ lastSeen: Math.floor(now.getTime()), ...(auditHead ? { auditLines: auditHead.lines, auditHeadHash: auditHead.hash } : {}), ...(role ? { role } : {}) })
    .where(eq(servers.serverId, serverId));
}

export async function listServers({ db }: PostgresConnection): Promise<ServerRow[]> {
  return db.select().from(servers).orderBy(desc(servers.lastSeen), asc(servers.serverId));
}
