/**
 * The HTTPS listener: binds the Hono app with node's https server, maps the `server.*` timeouts
 * onto node's, and drains gracefully on shutdown (behaviour reference §11.4).
 */
import type { Server as HttpsServer } from "node:https";
import { createServer } from "node:https";
import type { Socket } from "node:net";
import type { Env, Hono } from "hono";
import { serve } from "@hono/node-server";
import type { Logger } from "pino";
import { connectionDrain, type DrainOutcome } from "./drain.js";
import { OneLinkPerLineResponse } from "./link-field-lines.js";
import { type ListenerTls, TLS_MIN_VERSION, isContextProvider, tlsServerOptions } from "./listener-tls.js";

export type { DrainOutcome } from "./drain.js";
export type { ListenerTls, StaticTlsCredentials, TlsContextProvider } from "./listener-tls.js";

export interface ServerTimeouts {
  /** `server.read-header-timeout`: the whole request head must arrive within this. */
  readonly readHeaderTimeoutMs: number;
  /** `server.read-timeout`: the whole request, body included. */
  readonly readTimeoutMs: number;
  /** `server.write-timeout`: hard ceiling from request start to the end of the response. */
  readonly writeTimeoutMs: number;
  /** `server.idle-timeout`: how long a keep-alive connection may wait for its next request. */
  readonly idleTimeoutMs: number;
}

export interface HttpsListenerOptions<E extends Env> {
  /** the app, or anything that answers like it (a standby's front door swaps the app at takeover) */
  readonly app: Pick<Hono<E>, "fetch">;
  readonly host: string;
  /** 0 picks a free port (tests); the bound port is reported. */
  readonly port: number;
  readonly tls: ListenerTls;
  readonly timeouts: ServerTimeouts;
  readonly log: Logger;
}

export interface HttpsListener {
  /** `https://<host>:<bound port>` of the socket actually bound. */
  readonly url: string;
  readonly port: number;
  /** Stop accepting, let in-flight requests finish for up to `shutdownTimeoutMs`, then cut the rest. */
  close(shutdownTimeoutMs: number): Promise<DrainOutcome>;
}

export class ListenError extends Error {
  override readonly name = "ListenError";
  readonly code: string | undefined;
  constructor(address: string, cause: NodeJS.ErrnoException) {
    const why =
      cause.code === "EADDRINUSE"
        ? "the address is already in use by another process"
        : cause.code === "EACCES"
          ? "permission denied (ports below 1024 need privileges)"
          : cause.message;
    super(`cannot listen on ${address}: ${why}${cause.code ? ` (${cause.code})` : ""}`, { cause });
    this.code = cause.code;
  }
}

export function startHttpsServer<E extends Env>(options: HttpsListenerOptions<E>): Promise<HttpsListener> {
  const { timeouts, log } = options;
  const address = formatHostPort(options.host, options.port);
  return new Promise((resolve, reject) => {
    if (timeouts.readHeaderTimeoutMs > timeouts.readTimeoutMs) {
      // node refuses headersTimeout > requestTimeout; say it in the product's terms.
      throw new RangeError("server.read-header-timeout must not exceed server.read-timeout");
    }
    const server = serve({
      fetch: options.app.fetch,
      hostname: options.host,
      port: options.port,
      createServer,
      serverOptions: {
        ...tlsServerOptions(options.tls),
        // each link on a Link field line of its own, as line-reading ACME clients expect
        ServerResponse: OneLinkPerLineResponse,
        headersTimeout: timeouts.readHeaderTimeoutMs,
        requestTimeout: timeouts.readTimeoutMs,
        keepAliveTimeout: timeouts.idleTimeoutMs,
        // node checks the two timeouts above on this period (default 30 s); make it fine enough.
        connectionsCheckingInterval: Math.min(1000, Math.max(10, Math.floor(timeouts.readHeaderTimeoutMs / 5))),
        // A TLS handshake is part of "reading the request head" for a slow-loris client.
        handshakeTimeout: timeouts.readHeaderTimeoutMs,
      },
    }) as HttpsServer;

    if (isContextProvider(options.tls)) {
      // A renewed default certificate applies to the next handshakes; open connections keep theirs.
      options.tls.watchDefaultCredentials?.(({ key, cert }) => server.setSecureContext({ key, cert, minVersion: TLS_MIN_VERSION }));
    }
    const drain = connectionDrain(server, log);
    // write-timeout is a hard ceiling per request (as in the Go original), not an inactivity
    // timer: a handler stuck past it loses its connection rather than holding it forever.
    server.prependListener("request", (_req, res) => {
      const ceiling = setTimeout(() => {
        if (res.writableFinished) return;
        log.warn({ writeTimeoutMs: timeouts.writeTimeoutMs }, "write timeout reached; closing the connection");
        res.destroy();
      }, timeouts.writeTimeoutMs);
      ceiling.unref();
      res.once("close", () => clearTimeout(ceiling));
    });
    server.on("tlsClientError", (err: Error, socket: Socket) => {
      log.debug({ err, remote: socket.remoteAddress }, "TLS handshake failed");
    });

    const onStartupError = (err: NodeJS.ErrnoException): void => {
      server.close();
      reject(new ListenError(address, err));
    };
    server.once("error", onStartupError);
    server.once("listening", () => {
      server.off("error", onStartupError);
      server.on("error", (err: Error) => log.error({ err }, "HTTPS server error"));
      const bound = server.address();
      const port = bound !== null && typeof bound === "object" ? bound.port : options.port;
      const url = `https://${formatHostPort(options.host, port)}`;
      log.info({ url }, "HTTPS listener ready");
      resolve({ url, port, close: (shutdownTimeoutMs) => drain.close(shutdownTimeoutMs) });
    });
  });
}

function formatHostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
