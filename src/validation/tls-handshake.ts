/**
 * A TLS client handshake over a socket that is already connected to a checked address. Used by
 * tls-alpn-01 (RFC 8737 §3) and by http-01 redirects to https.
 */
import type { Socket } from "node:net";
import { connect, type ConnectionOptions, type TLSSocket } from "node:tls";
import { abortedBy } from "./deadline.js";

export function handshake(socket: Socket, options: ConnectionOptions, signal: AbortSignal): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      socket.destroy();
      return reject(abortedBy(signal));
    }
    const secure = connect({ ...options, socket });
    const onAbort = (): void => {
      secure.destroy();
      socket.destroy();
      reject(abortedBy(signal));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    secure.once("close", () => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
    });
    // Stays attached: a TLSSocket without an error listener would crash the process.
    secure.on("error", (error) => {
      secure.destroy();
      reject(error);
    });
    secure.once("secureConnect", () => resolve(secure));
  });
}
