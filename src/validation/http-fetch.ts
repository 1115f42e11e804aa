/**
 * One HTTP/1.1 GET over a connection the caller opened to a checked address (RFC 8555 §8.3).
 * The Host header carries the URL's authority, as for any request to that URL (RFC 9110 §7.2).
 * Only a 200 response's body is read, and at most `BODY_LIMIT` bytes of it: a key authorization
 * is under a hundred characters, and a validator must not be made to download a large file.
 */
import { request } from "node:http";
import type { Socket } from "node:net";
import { abortedBy } from "./deadline.js";

export const BODY_LIMIT = 8192;
const USER_AGENT = "Certeasy-ACME-validator (RFC 8555 section 8.3)";

export interface HttpAnswer {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: Buffer;
  /** true when the body was cut at `BODY_LIMIT` bytes */
  readonly bodyTooLarge: boolean;
}

export class IncompleteResponse extends Error {
  override readonly name = "IncompleteResponse";
  readonly code = "ERR_INCOMPLETE_BODY";
}

export function fetchOverSocket(socket: Socket, url: URL, signal: AbortSignal): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortedBy(signal));
    const outgoing = request({
      method: "GET",
      path: `${url.pathname}${url.search}`,
      headers: { Host: url.host, "User-Agent": USER_AGENT, Accept: "*/*", Connection: "close" },
      createConnection: () => socket,
    });
    const settle = (action: () => void): void => {
      signal.removeEventListener("abort", onAbort);
      action();
      outgoing.destroy();
      socket.destroy();
    };
    const onAbort = (): void => settle(() => reject(abortedBy(signal)));
    signal.addEventListener("abort", onAbort, { once: true });
    outgoing.on("error", (error) => settle(() => reject(error)));
    outgoing.once("response", (response) => {
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (status !== 200) return settle(() => resolve({ status, location, body: Buffer.alloc(0), bodyTooLarge: false }));
      const chunks: Buffer[] = [];
      let size = 0;
      let ended = false;
      response.on("data", (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size > BODY_LIMIT) {
          ended = true;
          const body = Buffer.concat(chunks).subarray(0, BODY_LIMIT);
          settle(() => resolve({ status, location, body, bodyTooLarge: true }));
        }
      });
      response.once("end", () => {
        ended = true;
        settle(() => resolve({ status, location, body: Buffer.concat(chunks), bodyTooLarge: false }));
      });
      response.on("error", (error) => settle(() => reject(error)));
      response.once("close", () => {
        if (!ended) settle(() => reject(new IncompleteResponse("the connection closed before the body was complete")));
      });
    });
    outgoing.end();
  });
}
