/**
 * The admin path when no server runs: boot this workdir's node core as `serve` does (taking the
 * workdir lock, so a server started meanwhile waits its turn), hand it to the command, then stop
 * it — node.started and node.stopped frame the command's events in the log and the audit file
 * like any other boot.
 */
import { openNode, type NodeCore, type NodeOptions } from "../node/open-node.js";

export async function withOfflineNode<T>(options: NodeOptions, use: (core: NodeCore) => Promise<T>): Promise<T> {
  const core = await openNode(options);
  try {
    return await use(core);
  } finally {
    await core.stop("shutdown");
  }
}
