/**
 * One DNS query over TCP (RFC 1035 §4.2.2): each message is preceded by its length as two bytes,
 * big-endian. One connection per query keeps it simple; validations ask a handful of questions.
 */
import { connect } from "node:net";
import { abortedBy } from "../deadline.js";
import type { DnsServerAddress } from "./servers.js";

export class DnsTransportError extends Error {
  override readonly name = "DnsTransportError";
}

export function exchangeOverTcp(server: DnsServerAddress, query: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortedBy(signal));
    const socket = connect({ host: server.host, port: server.port });
    let received = Buffer.alloc(0);
    const finish = (error: Error | undefined, answer?: Uint8Array): void => {
      signal.removeEventListener("abort", onAbort);
      socket.destroy();
      if (error !== undefined) reject(error);
      else if (answer !== undefined) resolve(answer);
    };
    const onAbort = (): void => finish(abortedBy(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    socket.once("connect", () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.length, 0);
      socket.write(Buffer.concat([length, query]));
    });
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2) return;
      const expected = received.readUInt16BE(0);
      if (received.length >= 2 + expected) finish(undefined, received.subarray(2, 2 + expected));
    });
    socket.on("error", (error) => finish(error));
    socket.once("close", () => finish(new DnsTransportError("the DNS server closed the connection before answering")));
  });
}
