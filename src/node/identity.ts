/**
 * Node identity (reference deployment-topology.md "Node identity"): `<workdir>/server_id`
 * holds a UUID v4 created on first boot with mode 0600 and read back on every later boot.
 * Copying a workdir to another host copies its identity, which the audit file then refuses.
 */
import { constants } from "node:fs";
import { chmod, mkdir, open, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { uuidv4 } from "../store/uuid.js";

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export class NodeIdentityError extends Error {
  override readonly name = "NodeIdentityError";
}

export interface NodeIdentity {
  readonly serverId: string;
  readonly path: string;
  /** true when this call created the file */
  readonly created: boolean;
}

/** Create the workdir (0700) if it does not exist yet. */
export async function ensureWorkdir(workdir: string): Promise<void> {
  await mkdir(workdir, { recursive: true, mode: 0o700 });
}

export async function loadOrCreateServerId(workdir: string): Promise<NodeIdentity> {
  const path = join(workdir, "server_id");
  try {
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    const serverId = uuidv4();
    try {
      await handle.writeFile(`${serverId}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { serverId, path, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  const serverId = (await readFile(path, "utf8")).trim();
  if (!UUID_V4.test(serverId)) {
    throw new NodeIdentityError(`${path} does not hold a UUID v4 server_id (found ${JSON.stringify(serverId.slice(0, 60))})`);
  }
  // The file names this node to auditors; keep it private even if someone loosened it.
  if (((await stat(path)).mode & 0o077) !== 0) await chmod(path, 0o600);
  return { serverId, path, created: false };
}
