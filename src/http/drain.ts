/**
 * Graceful drain of an HTTP(S) server (behaviour reference §11.4): stop accepting, close idle
 * keep-alive connections, let in-flight requests finish within the shutdown timeout, then cut
 * whatever is left and report how many requests completed and how many were aborted.
 */
import type { Server as HttpServer, ServerResponse } from "node:http";
import type { Server as HttpsServer } from "node:https";
import type { Socket } from "node:net";
import type { Logger } from "pino";

export interface DrainOutcome {
  /** Requests in flight during the drain that finished their response. */
  readonly completed: number;
  /** Requests in flight during the drain that were cut (timeout) or lost their client. */
  readonly aborted: number;
}

export interface ConnectionDrain {
  close(shutdownTimeoutMs: number): Promise<DrainOutcome>;
}

export function connectionDrain(server: HttpServer | HttpsServer, log: Logger): ConnectionDrain {
  const sockets = new Set<Socket>();
  const inFlight = new Set<ServerResponse>();
  let draining = false;
  let completed = 0;
  let aborted = 0;
  let closing: Promise<DrainOutcome> | undefined;
  let allSettled: (() => void) | undefined;

  // For an https server this is the raw TCP socket, so it also covers handshakes in progress.
  server.on("connection", (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  // One listener shared by every response (a response emits "close" once): no closure and no
  // `once` wrapper allocated per request on the hot path.
  function onResponseClose(this: ServerResponse): void {
    if (!inFlight.delete(this) || !draining) return;
    if (this.writableFinished) completed++;
    else aborted++;
    server.closeIdleConnections();
    if (inFlight.size === 0) allSettled?.();
  }
  // Prepended so the request is tracked before the adapter may answer it synchronously.
  server.prependListener("request", (_req, res: ServerResponse) => {
    inFlight.add(res);
    if (draining) closeConnectionAfter(res);
    res.on("close", onResponseClose);
  });

  async function drain(shutdownTimeoutMs: number): Promise<DrainOutcome> {
    draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    for (const res of inFlight) closeConnectionAfter(res);
    log.info({ inFlight: inFlight.size, shutdownTimeoutMs }, "HTTPS listener draining");

    let deadline: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      deadline = setTimeout(() => resolve("timeout"), shutdownTimeoutMs);
    });
    const settled = new Promise<"settled">((resolve) => {
      allSettled = () => resolve("settled");
      if (inFlight.size === 0) resolve("settled");
    });
    // Requests done: wait for their connections to end by themselves (they carry
    // `Connection: close`), still bounded by the same deadline.
    const first = await Promise.race([settled, timedOut]);
    const outcome = first === "timeout" ? first : await Promise.race([closed.then(() => "closed" as const), timedOut]);
    clearTimeout(deadline);

    if (outcome === "timeout") {
      for (const res of inFlight) {
        aborted++;
        res.socket?.destroy();
      }
      inFlight.clear();
      for (const socket of sockets) socket.destroy();
    }
    await closed;
    const result = { completed, aborted };
    log.info(result, "HTTPS listener closed");
    return result;
  }

  return {
    close(shutdownTimeoutMs) {
      closing ??= drain(shutdownTimeoutMs);
      return closing;
    },
  };
}

/** Ask node to close the connection once this response is written, instead of keeping it alive. */
function closeConnectionAfter(res: ServerResponse): void {
  if (!res.headersSent) res.setHeader("Connection", "close");
}
