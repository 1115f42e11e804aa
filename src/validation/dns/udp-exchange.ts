/**
 * One DNS query over UDP (RFC 1035 §4.2.1): the message as it is, one datagram each way, sent
 * again every UDP_RESEND_MS until an answer or the attempt's deadline (a lost datagram is
 * ordinary on UDP). Only a datagram from the server asked, carrying the query's id, is taken as
 * the answer (RFC 5452 §9.1); any other is ignored, so a stray or forged datagram neither ends the
 * exchange nor becomes its answer. A truncated answer is the caller's to retry over TCP.
 */
import { createSocket } from "node:dgram";
import { isIP, isIPv6 } from "node:net";
import { abortedBy } from "../deadline.js";
import type { DnsServerAddress } from "./servers.js";

export const UDP_RESEND_MS = 1_000;

export function exchangeOverUdp(server: DnsServerAddress, query: Uint8Array, signal: AbortSignal): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortedBy(signal));
    const id = ((query[0] ?? 0) << 8) | (query[1] ?? 0);
    const socket = createSocket(isIPv6(server.host) ? "udp6" : "udp4");
    const send = (): void => socket.send(query, server.port, server.host, (error) => error && finish(error));
    const resend = setInterval(send, UDP_RESEND_MS);
    let done = false;
    const finish = (error: Error | undefined, answer?: Uint8Array): void => {
      if (done) return;
      done = true;
      clearInterval(resend);
      signal.removeEventListener("abort", onAbort);
      socket.close();
      if (error !== undefined) reject(error);
      else if (answer !== undefined) resolve(answer);
    };
    const onAbort = (): void => finish(abortedBy(signal));
    signal.addEventListener("abort", onAbort, { once: true });
    const expectedAddress = isIP(server.host) !== 0 ? withoutZone(server.host) : undefined;
    socket.on("message", (message: Buffer, from) => {
      // A server named by host name answers from an address we did not look up: port and id only.
      if (from.port !== server.port || (expectedAddress !== undefined && withoutZone(from.address) !== expectedAddress)) return;
      if (message.length < 2 || message.readUInt16BE(0) !== id) return;
      finish(undefined, message);
    });
    socket.on("error", (error) => finish(error));
    send();
  });
}

/** An IPv6 link-local address may carry its zone (`fe80::1%eth0`) on one side and not the other. */
const withoutZone = (address: string): string => address.split("%")[0] ?? address;
