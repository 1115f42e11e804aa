/**
 * SQLite is single-host (founding document, DESIGN §5): a standby on SQLite must run on the same
 * host as the active node. The configuration refuses what it can see (a share path,
 * src/config/lease-topology.ts); here, with the database at hand, the standby refuses a
 * database file on a network file system it can recognise, and a lease last held from another
 * host. Neither is proof against every set-up (a network block device looks local): the
 * operations guide says so.
 */
import { statfs } from "node:fs/promises";
import { dirname } from "node:path";
import type { LeaseRow } from "../store/dialect.js";
import type { StoreOptions } from "../store/open.js";

/** statfs(2) `f_type` magic numbers of network file systems (linux/magic.h). */
const NETWORK_FILE_SYSTEMS: ReadonlyMap<number, string> = new Map([
  [0x6969, "NFS"],
  [0x517b, "SMB"],
  [0xff534d42, "CIFS"],
  [0xfe534d42, "SMB2"],
  [0x5346414f, "AFS"],
  [0x00c36400, "CephFS"],
  [0x01021997, "9P"],
  [0x0bd00bd0, "Lustre"],
  [0x47504653, "GPFS"],
]);

/** The network file system a statfs type names, or null for a local one. */
export function networkFileSystem(type: number): string | null {
  return NETWORK_FILE_SYSTEMS.get(type >>> 0) ?? null;
}

/** A standby refused at start: the message names the key and what to change. */
export class StandbyRefusedError extends Error {
  override readonly name = "StandbyRefusedError";
}

/** Throws StandbyRefusedError naming the keys when this standby would make SQLite multi-host. */
export async function refuseMultiHostSqlite(store: StoreOptions, lease: LeaseRow | null, host: string): Promise<void> {
  if (store.driver !== "sqlite") return;
  const fs = networkFileSystem(Number((await statfs(dirname(store.path))).type));
  if (fs !== null) {
    throw new StandbyRefusedError(
      `lease.standby: database.path ${store.path} is on a network file system (${fs}); SQLite serves one host only ` +
        "and its locks are not reliable across hosts: use PostgreSQL or SQL Server for a standby on another host",
    );
  }
  if (lease !== null && lease.holderHostname !== host) {
    throw new StandbyRefusedError(
      `lease.standby: the SQLite database ${store.path} is used from host ${lease.holderHostname} (server_id ${lease.holderServerId} ` +
        `holds or last held the writer lease) and this standby runs on host ${host}; SQLite serves one host only: ` +
        "run the standby on the same host, or use PostgreSQL or SQL Server",
    );
  }
}
