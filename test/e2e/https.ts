/**
 * Talking to the server the way a careful ACME client would: HTTPS trusting exactly one CA
 * certificate (node's `ca` option replaces the default trust store), over loopback only.
 */
import { request } from "node:https";
import { connect, type LookupFunction } from "node:net";

export interface HttpsResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

/** Every name resolves to 127.0.0.1: test traffic never leaves the machine. */
const loopbackOnly: LookupFunction = (_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};

/**
 * GET `url`, trusting only the PEM in `caPem` (or node's default store when it is null, to
 * show that the server's chain is not publicly trusted). The hostname is still checked against
 * the certificate.
 */
export function httpsGet(url: string, caPem: string | null, timeoutMs = 15_000): Promise<HttpsResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: "GET",
      agent: false,
      lookup: loopbackOnly,
      timeout: timeoutMs,
      ...(caPem === null ? {} : { ca: caPem }),
    });
    req.once("timeout", () => req.destroy(new Error(`GET ${url}: no response within ${timeoutMs} ms`)));
    req.once("error", reject);
    req.once("response", (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.once("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.once("error", reject);
    });
    req.end();
  });
}

/** Open a plain TCP connection: "connected", or the error code (ECONNREFUSED…). */
export function connectOutcome(port: number, host = "127.0.0.1", timeoutMs = 5000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (outcome: string): void => {
      socket.destroy();
      resolve(outcome);
    };
    socket.once("connect", () => done("connected"));
    socket.once("timeout", () => done("timeout"));
    socket.once("error", (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}
