/**
 * The http-01 challenge listener of mode `acme` (RFC 8555 §8.3, reference §9): serves
 * `/.well-known/acme-challenge/<token>` with the key authorization while an order is being
 * validated, only for the hosts of the bundles it answers for, and 404 for everything else —
 * it is reachable from the outside and must not become a second way into the server.
 */
import { createServer, type Server } from "node:http";
import type { Logger } from "pino";
import type { ListenAddress } from "../config/index.js";
import { ListenError } from "../http/listener.js";
import { classifyHost } from "./server-certificate-hosts.js";

const PREFIX = "/.well-known/acme-challenge/";

export interface Http01Responder {
  /** The bound port (the configured one, or the one picked for port 0). */
  readonly port: number;
  /** Serve `keyAuthorization` at the token's path for `host` until `remove`. */
  add(host: string, token: string, keyAuthorization: string): void;
  remove(host: string, token: string): void;
  close(): Promise<void>;
}

export function startHttp01Responder(address: ListenAddress, log: Logger): Promise<Http01Responder> {
  /** `<host> <token>` → key authorization */
  const answers = new Map<string, string>();
  const keyOf = (host: string, token: string): string => `${classifyHost(host).value} ${token}`;

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    const hostHeader = (req.headers.host ?? "").replace(/:\d+$/, "");
    const answer = req.method === "GET" && path.startsWith(PREFIX) && hostHeader !== "" ? answers.get(keyOf(hostHeader, path.slice(PREFIX.length))) : undefined;
    if (answer === undefined) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    log.debug({ host: hostHeader }, "answered an http-01 challenge");
    res.writeHead(200, { "content-type": "application/octet-stream" }).end(answer);
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;

  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => reject(new ListenError(`${address.host}:${address.port} (http-01 challenges)`, error)));
    server.listen(address.port, address.host, () => {
      const bound = server.address();
      resolve({
        port: typeof bound === "object" && bound !== null ? bound.port : address.port,
        add: (host, token, keyAuthorization) => void answers.set(keyOf(host, token), keyAuthorization),
        remove: (host, token) => void answers.delete(keyOf(host, token)),
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
