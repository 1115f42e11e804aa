/** `certeasy eab …` through the admin session: the EabAdmin of the running server, or an EabService on an offline node. */
import { EabService, KeyEncryptionKeyFile } from "../acme/eab/index.js";
import type { NodeOptions } from "../node/open-node.js";
import { withAdminSession, type AdminPath } from "./admin-session.js";
import type { EabAdmin } from "./eab-admin.js";

export type EabAdminPath = AdminPath;

export interface EabSessionOptions {
  readonly workdir: string;
  /** who runs the command, for the events' meta */
  readonly operator: string;
  /** the node options `serve` would boot with, for the offline path */
  readonly node: () => NodeOptions;
}

export function withEabAdmin<T>(options: EabSessionOptions, use: (admin: EabAdmin, path: EabAdminPath) => Promise<T>): Promise<T> {
  return withAdminSession<EabAdmin, T>(
    {
      ...options,
      viaServer: (client) => client,
      offline: (core) => new EabService({ dialect: core.dialect, writer: core.writer, kek: new KeyEncryptionKeyFile(options.workdir) }),
    },
    use,
  );
}
