/**
 * The web server an operator's site would be, for clients that answer http-01 by writing a file
 * (dehydrated's WELLKNOWN folder, a uacme hook): it serves that folder's files at
 * `/.well-known/acme-challenge/<token>` (RFC 8555 §8.3) on the validator's http-01 port, on
 * loopback only. It runs only for the scenario that needs it: certbot and lego bind the same
 * port with their own responders.
 */
import { mkdir, readFile } from "node:fs/promises";
import { createServer } from "node:http";
import { join } from "node:path";

export interface Webroot {
  /** the folder the client writes `<token>` files to */
  readonly challengeFolder: string;
  /** the request paths the validator asked for, oldest first */
  readonly requested: readonly string[];
  stop(): Promise<void>;
}

const CHALLENGE_PATH = "/.well-known/acme-challenge/";
/** RFC 8555 §8.3: a token is base64url; anything else (a `..`, a slash) is not served. */
const TOKEN = /^[A-Za-z0-9_-]+$/;

export async function startWebroot(challengeFolder: string, port: number): Promise<Webroot> {
  await mkdir(challengeFolder, { recursive: true });
  const requested: string[] = [];
  const server = createServer((request, response) => {
    const path = request.url ?? "";
    requested.push(path);
    const token = path.startsWith(CHALLENGE_PATH) ? path.slice(CHALLENGE_PATH.length) : "";
    if (request.method !== "GET" || !TOKEN.test(token)) {
      response.writeHead(404).end();
      return;
    }
    readFile(join(challengeFolder, token)).then(
      (body) => response.writeHead(200, { "content-type": "application/octet-stream" }).end(body),
      () => response.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolveListen());
  });
  return {
    challengeFolder,
    requested,
    stop: () =>
      new Promise((resolveClose) => {
        server.closeAllConnections();
        server.close(() => resolveClose());
      }),
  };
}

/** Run `work` with the webroot up, and take it down whatever happens. */
export async function withWebroot<T>(challengeFolder: string, port: number, work: (webroot: Webroot) => Promise<T>): Promise<T> {
  const webroot = await startWebroot(challengeFolder, port);
  try {
    return await work(webroot);
  } finally {
    await webroot.stop();
  }
}
