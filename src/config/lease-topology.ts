/**
 * Which lease topologies the configuration allows (DESIGN §5; founding document: "SQLite is NOT
 * supported for any multi-host setup"). A warm standby (`lease.standby`) on SQLite is a second
 * process on the same host as the active node, which the file lock and the lease handle. A
 * standby pointed at an SQLite file on a network share (a UNC or `//host/share` path) is
 * multi-host by construction and is refused here, naming the key. A share mounted under a
 * local-looking path cannot be seen from the configuration: the standby checks the file
 * system and the lease holder's host when it starts (src/node/standby-topology.ts).
 */
import type { z } from "zod";

/** `\\host\share\…` or `//host/share/…`: an SMB/CIFS share, by definition on another host. */
export const isNetworkSharePath = (path: string): boolean => /^(\\\\|\/\/)[^\\/]+[\\/]/.test(path);

interface TopologyKeys {
  readonly database: { readonly driver: string; readonly path?: string | undefined };
  readonly lease: { readonly standby: boolean };
}

export function refuseSqliteStandbyOnShare(config: TopologyKeys, ctx: z.RefinementCtx): void {
  const { database } = config;
  if (!config.lease.standby || database.driver !== "sqlite" || database.path === undefined) return;
  if (!isNetworkSharePath(database.path)) return;
  ctx.addIssue({
    code: "custom",
    path: ["lease", "standby"],
    message:
      `expected false with database.driver sqlite on a network share (database.path ${database.path}): ` +
      "SQLite serves one host only; use PostgreSQL or SQL Server for a standby on another host",
  });
}
