/**
 * Which way an admin command (`certeasy eab …`, `certeasy license …`) reaches the node: through
 * the running server's admin channel when one answers on `<workdir>/admin.sock`, otherwise by
 * booting the node core itself. The workdir lock decides between the two: a process that holds
 * it without answering on the socket is starting or stopping, and the command says so instead of
 * guessing.
 */
import { join } from "node:path";
import type { NodeCore, NodeOptions } from "../node/open-node.js";
import { WorkdirLockedError } from "../node/workdir-lock.js";
import { AdminChannelError } from "./admin-channel.js";
import { AdminClient, adminChannelListening } from "./admin-client.js";
import { ADMIN_SOCKET_FILE } from "./eab-admin.js";
import { withOfflineNode } from "./offline-node.js";

/** `server`: the running node did it; `offline`: this process booted the node core for it. */
export type AdminPath = "server" | "offline";

export interface AdminSessionOptions<A> {
  readonly workdir: string;
  /** who runs the command, for the events' meta */
  readonly operator: string;
  /** the node options `serve` would boot with, for the offline path */
  readonly node: () => NodeOptions;
  /** the operations as the running server offers them */
  readonly viaServer: (client: AdminClient) => A;
  /** the same operations on a node core this process booted */
  readonly offline: (core: NodeCore) => A;
}

export async function withAdminSession<A, T>(options: AdminSessionOptions<A>, use: (admin: A, path: AdminPath) => Promise<T>): Promise<T> {
  const socketPath = join(options.workdir, ADMIN_SOCKET_FILE);
  if (await adminChannelListening(socketPath)) return use(options.viaServer(new AdminClient(socketPath, options.operator)), "server");
  let booted = false;
  try {
    return await withOfflineNode(options.node(), (core) => {
      booted = true;
      return use(options.offline(core), "offline");
    });
  } catch (error) {
    if (!booted && error instanceof WorkdirLockedError) {
      throw new AdminChannelError(
        `${error.message}\nThat process does not answer on its admin channel ${socketPath} (still starting, stopping, or a version without it): retry once it is serving, or stop it.`,
        { cause: error },
      );
    }
    throw error;
  }
}
