/** The node registry (`servers`) on SQLite: operational rows, written directly. */
import { asc, desc, eq } from "drizzle-orm";
import type { AuditHead, ServerRole, ServerRow } from "../dialect.js";
import { servers } from "../schema/sqlite.js";
import type { SqliteConnection } from "./connection.js";

/** Insert the node, or refresh its hostname, last_seen and role; first_seen is kept. */
export function registerServer(
  { client, db }: SqliteConnection,
  serverId: string,
  hostname: string,
  now: Date,
  role: ServerRole,
): { firstBoot: boolean } {
  const at = Math.floor(now.getTime());
  return client.transaction(() => {
    const inserted = db
      .insert(servers)
      .values({ serverId, hostname, firstSeen: at, lastSeen: at, role })
      .onConflictDoNothing()
      .returning({ serverId: servers.serverId })
      .all();
    if (inserted.length > 0) return { firstBoot: true };
    db.update(servers).set({ hostname, lastSeen: at, role }).where(eq(servers.serverId, serverId)).run();
    return { firstBoot: false };
  }).immediate();
}

export function touchServer({ db }: SqliteConnection, serverId: string, now: Date, auditHead?: AuditHead, role?: ServerRole): void {
  db.update(servers)
    .set({ lastSeen: Math.floor(now.getTime()), ...(auditHead ? { auditLines: auditHead.lines, auditHeadHash: auditHead.hash } : {}), ...(role ? { role } : {}) })
    .where(eq(servers.serverId, serverId))
    .run();
}

export function listServers({ db }: SqliteConnection): ServerRow[] {
  return db.select().from(servers).orderBy(desc(servers.lastSeen), asc(servers.serverId)).all();
}
