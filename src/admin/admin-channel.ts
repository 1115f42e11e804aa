/**
 * The admin channel of a running node: an HTTP server on the unix socket `<workdir>/admin.sock`,
 * through which `certeasy eab …` and `certeasy license …` reach the node that holds the workdir
 * (only that node appends
 * events; the workdir lock keeps a second process out). The socket file is made 0600 and lives
 * in the 0700 workdir: whoever may connect is the service account (or root), and that file
 * permission is the whole authentication. Linux and macOS; on Windows the channel is not started.
 */
import { chmod, unlink } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { getRequestListener } from "@hono/node-server";
import type { Logger } from "pino";
import { adminRoutes } from "./admin-routes.js";
import { ADMIN_SOCKET_FILE, type EabAdmin } from "./eab-admin.js";
import type { LicenseAdmin } from "./license-admin.js";

/** sun_path is 104 bytes on macOS and 108 on Linux, terminator included. */
const MAX_SOCKET_PATH_BYTES = 103;

export interface AdminChannel {
  /** the socket path, or null when the channel could not be offered on this platform or path */
  readonly path: string | null;
  /** Stop accepting, end open connections, remove the socket file. */
  close(): Promise<void>;
}

export interface AdminChannelOptions {
  readonly workdir: string;
  readonly eab: EabAdmin;
  readonly license?: LicenseAdmin;
  readonly log: Logger;
}

export class AdminChannelError extends Error {
  override readonly name = "AdminChannelError";
}

const closed: AdminChannel = { path: null, close: async () => {} };

export async function startAdminChannel(options: AdminChannelOptions): Promise<AdminChannel> {
  const { log } = options;
  const path = join(options.workdir, ADMIN_SOCKET_FILE);
  if (process.platform === "win32") {
    log.warn("the admin channel (a unix socket) is not offered on Windows: stop the server to run `certeasy eab` or `certeasy license` commands");
    return closed;
  }
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH_BYTES) {
    log.warn({ path }, "the workdir path is too long for a unix socket: no admin channel; stop the server to run `certeasy eab` or `certeasy license` commands");
    return closed;
  }
  // This process holds the workdir lock, so a socket file left here is a dead node's.
  await unlink(path).catch(() => undefined);
  const server = createServer(getRequestListener(adminRoutes({ eab: options.eab, ...(options.license ? { license: options.license } : {}) }, log).fetch));
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(new AdminChannelError(`cannot open the admin channel at ${path}: ${error.code ?? error.message}`, { cause: error })),
    );
    server.listen(path, () => resolve());
  });
  try {
    await chmod(path, 0o600);
  } catch (error) {
    await stop(server, path);
    throw new AdminChannelError(`cannot make the admin channel ${path} private (mode 0600): ${(error as Error).message}`, { cause: error });
  }
  server.on("error", (error: Error) => log.error({ err: error }, "admin channel error"));
  log.info({ path }, "admin channel ready");
  return { path, close: () => stop(server, path) };
}

/** An admin request is one append: give one in flight this long to finish before cutting it. */
const CLOSE_GRACE_MS = 5_000;

async function stop(server: Server, path: string): Promise<void> {
  await new Promise<void>((resolve) => {
    const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    server.close(() => {
      clearTimeout(cut);
      resolve();
    });
    server.closeIdleConnections();
  });
  await unlink(path).catch(() => undefined);
}
