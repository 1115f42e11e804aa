/**
 * What `certeasy eab …` asks of the EAB keys. Two implementations, one behaviour: the running
 * server's EabService reached over the admin channel (admin-client.ts), or an EabService on a
 * node core the CLI boots itself when no server runs (offline-node.ts). Either way the events
 * are appended by the one process that holds the workdir.
 */
import type { CreatedEabKey, CreateEabKeyRequest, EabKeySummary, EabRequestMeta, RevokedEabKey } from "../acme/eab/index.js";

export interface EabAdmin {
  createKey(request: CreateEabKeyRequest, meta?: EabRequestMeta): Promise<CreatedEabKey>;
  listKeys(): Promise<readonly EabKeySummary[]>;
  revokeKey(keyId: string, meta?: EabRequestMeta): Promise<RevokedEabKey>;
}

/** `<workdir>/admin.sock`: the admin channel of the node running on this workdir. */
export const ADMIN_SOCKET_FILE = "admin.sock";
