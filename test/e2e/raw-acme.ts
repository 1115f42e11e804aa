/**
 * ACME requests signed by hand against a `serve` child process, for tests that read what a
 * library client hides: the exact status, `Retry-After`, the problem document. One keep-alive
 * connection to loopback, trusting only the installation's CA; nonces recycled from
 * `Replay-Nonce` as RFC 8555 §6.5 lets a client do.
 */
import { Agent, request } from "node:https";
import type { LookupFunction } from "node:net";
import { accountKey, signedBody, type TestAccountKey } from "../acme/jws-fixtures.js";

const loopback: LookupFunction = (_host, options, callback) => {
  if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};

export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** the header field lines as received, name and value alternating (node joins repeated ones in `headers`) */
  readonly rawHeaders: readonly string[];
  readonly body: string;
}

export interface RawRequest {
  readonly method?: string;
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export class RawAcmeConnection {
  readonly #agent: Agent;
  #nonce: string | undefined;

  constructor(
    readonly baseUrl: string,
    ca: string,
  ) {
    this.#agent = new Agent({ ca, keepAlive: true, maxSockets: 1 });
  }

  url(path: string): string {
    return new URL(path, this.baseUrl).href;
  }

  send(path: string, options: RawRequest = {}): Promise<RawAnswer> {
    return new Promise((resolve, reject) => {
      const req = request(this.url(path), { method: options.method ?? "GET", agent: this.#agent, lookup: loopback, headers: options.headers ?? {} });
      req.once("error", reject);
      req.once("response", (res) => {
        let body = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
        res.once("end", () => {
          const nonce = res.headers["replay-nonce"];
          if (typeof nonce === "string") this.#nonce = nonce;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body });
        });
      });
      req.end(options.body);
    });
  }

  /** A JWS POST (RFC 8555 §6.2) by `key`: `jwk` in the header unless `kid` is given. */
  async post(path: string, key: TestAccountKey, payload: unknown, kid?: string): Promise<RawAnswer> {
    if (this.#nonce === undefined) await this.send("/acme/newNonce", { method: "HEAD" });
    const nonce = this.#nonce;
    this.#nonce = undefined;
    const body = await signedBody(key, { url: this.url(path), nonce, payload, ...(kid === undefined ? {} : { kid }) });
    return this.send(path, { method: "POST", body, headers: { "Content-Type": "application/jose+json" } });
  }

  /** newAccount with a fresh key; the key and the account URL (Location) when it was created. */
  async newAccount(): Promise<{ readonly answer: RawAnswer; readonly key: TestAccountKey; readonly kid: string | undefined }> {
    const key = await accountKey("ES256");
    const answer = await this.post("/acme/newAccount", key, { termsOfServiceAgreed: true });
    const location = answer.headers.location;
    return { answer, key, kid: typeof location === "string" ? location : undefined };
  }

  newOrder(key: TestAccountKey, kid: string, names: readonly string[]): Promise<RawAnswer> {
    return this.post("/acme/newOrder", key, { identifiers: names.map((value) => ({ type: "dns", value })) }, kid);
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** `Retry-After` in seconds (RFC 9110 §10.2.3, delay form), or NaN when absent. */
export const retryAfter = (answer: RawAnswer): number => Number(answer.headers["retry-after"] ?? Number.NaN);

/** The values of every `Link` field line, one entry per line as sent. */
export const linkFieldLines = (answer: RawAnswer): string[] =>
  answer.rawHeaders.flatMap((value, index) => (index % 2 === 1 && answer.rawHeaders[index - 1]?.toLowerCase() === "link" ? [value] : []));

export const problemOf = (answer: RawAnswer): { readonly type?: string; readonly detail?: string } =>
  JSON.parse(answer.body) as { type?: string; detail?: string };
