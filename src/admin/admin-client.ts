/**
 * The CLI's side of the admin channel: the EabAdmin and LicenseAdmin operations as JSON requests
 * over `<workdir>/admin.sock`, with the running server's refusals turned back into the same
 * errors an offline EabService or LicenseService throws — so the command prints and exits the
 * same way on both paths.
 */
import { request } from "node:http";
import { connect } from "node:net";
import { EabKeyNotFoundError, EabRequestError, type CreatedEabKey, type EabKeySummary, type RevokedEabKey } from "../acme/eab/index.js";
import { AdminChannelError } from "./admin-channel.js";
import { OPERATOR_HEADER } from "./admin-routes.js";
import { LicenseRejectedError, type InstalledLicenseSummary, type InstallLicenseRequest, type LicenseRejectionReason, type LicenseStatus } from "../license/index.js";
import type { EabAdmin } from "./eab-admin.js";
import type { LicenseAdmin } from "./license-admin.js";

/** Creating a key or installing a license is one append; a server that needs longer than this is not answering. */
const REQUEST_TIMEOUT_MS = 30_000;

/** Does a node listen on this socket? false when there is no socket file or nobody behind it (a dead node's). */
export function adminChannelListening(socketPath: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath);
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", (error: NodeJS.ErrnoException) => {
      socket.destroy();
      if (error.code === "ENOENT" || error.code === "ECONNREFUSED") resolve(false);
      else reject(new AdminChannelError(`cannot reach the admin channel at ${socketPath}: ${error.code ?? error.message}`, { cause: error }));
    });
  });
}

export class AdminClient implements EabAdmin {
  /** the license operations over the same channel */
  readonly license: LicenseAdmin = {
    install: async (request: InstallLicenseRequest) => (await this.#call("POST", "/license", request)) as InstalledLicenseSummary,
    status: async () => (await this.#call("GET", "/license")) as LicenseStatus,
  };

  readonly #socketPath: string;
  readonly #operator: string;

  /** @param operator who runs the command (recorded in the events' meta) */
  constructor(socketPath: string, operator: string) {
    this.#socketPath = socketPath;
    this.#operator = operator;
  }

  async createKey(body: { allowedNames: readonly string[]; allowedProfiles: readonly string[]; note: string | null }): Promise<CreatedEabKey> {
    return (await this.#call("POST", "/eab/keys", body)) as CreatedEabKey;
  }

  async listKeys(): Promise<readonly EabKeySummary[]> {
    return ((await this.#call("GET", "/eab/keys")) as { keys: readonly EabKeySummary[] }).keys;
  }

  async revokeKey(keyId: string): Promise<RevokedEabKey> {
    return (await this.#call("POST", `/eab/keys/${encodeURIComponent(keyId)}/revoke`, {})) as RevokedEabKey;
  }

  #call(method: "GET" | "POST", path: string, body?: unknown): Promise<unknown> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.#socketPath,
          method,
          path,
          headers: {
            [OPERATOR_HEADER]: this.#operator,
            ...(payload === undefined ? {} : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
          },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (chunk: string) => (text += chunk));
          res.on("error", reject);
          res.on("end", () => {
            try {
              resolve(answer(res.statusCode ?? 0, text, path));
            } catch (error) {
              reject(error);
            }
          });
        },
      );
      req.on("timeout", () => req.destroy(new AdminChannelError(`the server did not answer ${method} ${path} on the admin channel within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on("error", (error: Error) =>
        reject(error instanceof AdminChannelError ? error : new AdminChannelError(`the admin channel at ${this.#socketPath} failed: ${error.message}`, { cause: error })),
      );
      req.end(payload);
    });
  }
}

function answer(status: number, text: string, path: string): unknown {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AdminChannelError(`the admin channel answered ${path} with ${status} and a body that is not JSON`);
  }
  const error = (body as { error?: unknown } | null)?.error;
  const message = typeof error === "string" ? error : `status ${status}`;
  if (status >= 200 && status < 300) return body;
  if (status === 404 && path.startsWith("/eab/keys/")) throw new EabKeyNotFoundError(decodeURIComponent(path.split("/")[3] ?? ""));
  if (status === 400) throw new EabRequestError(message);
  if (status === 422 && path === "/license") {
    const reason = (body as { reason?: unknown }).reason;
    throw new LicenseRejectedError(String(reason) as LicenseRejectionReason, message);
  }
  throw new AdminChannelError(`the server refused: ${message}`);
}
