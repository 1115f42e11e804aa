/**
 * The admin path when no server runs: boot this workdir's node core as `serve` does (taking the
 * workdir lock, so a server started meanwhile waits its turn), hand an EabService on it to the
 * command, then stop the core — node.started and node.stopped frame the command's events in the
 * log and the audit file like any other boot.
 */
import { EabService, KeyEncryptionKeyFile } from "../acme/eab/index.js";
import { openNode, type NodeOptions } from "../node/open-node.js";
import type { EabAdmin } from "./eab-admin.js";

export async function withOfflineNode<T>(options: NodeOptions, use: (eab: EabAdmin) => Promise<T>): Promise<T> {
  const core = await openNode(options);
  try {
    return await use(new EabService({ dialect: core.dialect, writer: core.writer, kek: new KeyEncryptionKeyFile(options.workdir) }));
  } finally {
    await core.stop("shutdown");
  }
}
