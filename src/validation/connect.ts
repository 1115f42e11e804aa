/**
 * Connections to an address the policy has already checked — never to a name, so the operating
 * system cannot re-resolve it to somewhere else between the check and the connect (DNS
 * rebinding). Addresses are tried in turn, each with its share of the deadline, until one
 * accepts; every socket is destroyed when the deadline fires.
 */
import { connect, type Socket } from "node:net";
import { abortedBy, abortPhrase, ValidationAborted, type Deadline } from "./deadline.js";

export interface ConnectFailure {
  readonly address: string;
  readonly reason: string;
}

export type Connection =
  | { readonly ok: true; readonly socket: Socket; readonly address: string }
  | { readonly ok: false; readonly failures: readonly ConnectFailure[] };

export async function connectToFirst(addresses: readonly string[], port: number, deadline: Deadline): Promise<Connection> {
  const failures: ConnectFailure[] = [];
  for (const [index, address] of addresses.entries()) {
    if (deadline.signal.aborted) break;
    try {
      const socket = await connectTo(address, port, deadline.attempt(addresses.length - index), deadline.signal);
      return { ok: true, socket, address };
    } catch (error) {
      failures.push({ address, reason: describeNetworkError(error) });
    }
  }
  return { ok: false, failures };
}

function connectTo(address: string, port: number, attempt: AbortSignal, whole: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    if (attempt.aborted) return reject(abortedBy(attempt));
    const socket = connect({ host: address, port });
    const onAttemptAbort = (): void => {
      socket.destroy();
      reject(abortedBy(attempt));
    };
    attempt.addEventListener("abort", onAttemptAbort, { once: true });
    socket.once("error", (error) => {
      attempt.removeEventListener("abort", onAttemptAbort);
      reject(error);
    });
    socket.once("connect", () => {
      attempt.removeEventListener("abort", onAttemptAbort);
      // Whoever uses the socket next (HTTP, TLS) reports its errors; this listener only keeps a
      // late error — say the deadline's destroy — from becoming an uncaught exception.
      socket.on("error", () => undefined);
      // From here on the socket lives until the whole validation's deadline at the latest.
      const onDeadline = (): void => void socket.destroy(abortedBy(whole));
      whole.addEventListener("abort", onDeadline, { once: true });
      socket.once("close", () => whole.removeEventListener("abort", onDeadline));
      resolve(socket);
    });
  });
}

const NETWORK_PHRASES: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset by peer",
  ECONNABORTED: "connection aborted",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "connection timed out",
  EPIPE: "connection closed by peer",
  EADDRNOTAVAIL: "address not available",
  ERR_SOCKET_CLOSED: "connection closed by peer",
  ECONNCLOSED: "connection closed by peer",
  ERR_INCOMPLETE_BODY: "the connection closed before the body was complete",
};

/**
 * A client-safe phrase for a failed network operation. Raw error messages are never echoed:
 * OpenSSL's carry source file paths, and none of them are written for ACME clients.
 */
export function describeNetworkError(error: unknown): string {
  if (error instanceof ValidationAborted) return error.phrase;
  const code = error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : "";
  const known = NETWORK_PHRASES[code];
  if (known !== undefined) return known;
  if (code.startsWith("HPE_")) return "the response is not valid HTTP/1.1";
  if (code.startsWith("ERR_SSL_")) return `TLS handshake failed (${code.slice("ERR_SSL_".length).toLowerCase().replace(/_/g, " ")})`;
  if (code === "ERR_TLS_HANDSHAKE_TIMEOUT") return "TLS handshake timed out";
  return /^[A-Z0-9_]{2,40}$/.test(code) ? `connection failed (${code})` : "connection failed";
}

/**
 * "from ::1: connection refused; from 127.0.0.1: connection refused" — every address tried, so
 * an operator sees the IPv6 address that is black-holed as well as the IPv4 one that refused.
 */
export function describeFailures(failures: readonly ConnectFailure[], deadline: Deadline): string {
  if (failures.length === 0) return `: ${abortPhrase(deadline.signal)}`;
  return ` ${failures.map((f) => `from ${f.address}: ${f.reason}`).join("; ")}`;
}

/**
 * A failed TLS handshake is a `tls` problem; one that never finished because the peer went
 * silent, or because the connection dropped under it, is a `connection` problem like any other.
 */
export function handshakeProblemType(error: unknown): "tls" | "connection" {
  if (error instanceof ValidationAborted) return "connection";
  const code = error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : "";
  return code in NETWORK_PHRASES ? "connection" : "tls";
}
