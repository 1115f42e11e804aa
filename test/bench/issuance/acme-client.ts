/**
 * The load generator's side of the wire: one virtual ACME client per account, talking HTTPS over
 * a keep-alive connection, with a pool of nonces refilled from every response's `Replay-Nonce`
 * (RFC 8555 §7.2) so that a fresh nonce costs no extra round trip. It does the least work a
 * correct client can do, so the CPU the bench measures is the server's.
 */
import { Agent, request } from "node:https";
import type { LookupFunction } from "node:net";
import type { AccountKey } from "./account-key.js";

/** Where an ACME server is and which CA certificate its HTTPS chain ends in. */
export interface AcmeEndpoint {
  readonly directoryUrl: string;
  readonly caPem: string;
}

export interface AcmeResponse {
  readonly status: number;
  readonly location: string | undefined;
  readonly body: string;
}

/** The headers of a refusal a test may check (RFC 8555 §6.5 Replay-Nonce, §6.6 Retry-After, §7.1 Link rel="index"). */
export interface RefusedAnswer {
  readonly status: number;
  readonly nonce: string | undefined;
  readonly retryAfter: string | undefined;
  readonly link: string | undefined;
  readonly contentType: string | undefined;
}

/** A request the server refused or answered unexpectedly; the message quotes its problem document. */
export class AcmeExchangeError extends Error {
  override readonly name = "AcmeExchangeError";

  constructor(
    message: string,
    /** the answer, when there was one */
    readonly answer?: RefusedAnswer,
  ) {
    super(message);
  }
}

export interface ClientCounters {
  requests: number;
  /** newNonce round trips: only when the pool is empty (first request, or after an error without a nonce) */
  nonceFetches: number;
  /** badNonce answers retried (RFC 8555 §6.5: the client retries with the nonce the error carried) */
  badNonceRetries: number;
}

export interface AcmeClient {
  readonly key: AccountKey;
  /** the account URL, the `kid` of every request after newAccount (RFC 8555 §7.3) */
  readonly accountUrl: string;
  readonly newOrderUrl: string;
  readonly counters: ClientCounters;
  /** A signed POST of `payload`, or a POST-as-GET when it is `POST_AS_GET`; non-2xx answers are thrown. */
  post(url: string, payload: unknown): Promise<AcmeResponse>;
  /**
   * Drop the nonces held and fetch a fresh one. A client that sat out the earlier steps holds a
   * nonce older than the server's 2-minute lifetime; refreshing it before a step keeps its
   * first request from being refused and retried inside the measured window.
   */
  refreshNonce(): Promise<void>;
  close(): void;
}

/** Every name resolves to 127.0.0.1: the bench never leaves the machine, and never tries ::1 first. */
const loopbackOnly: LookupFunction = (_hostname, options, callback) => {
  if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
  else callback(null, "127.0.0.1", 4);
};

const BAD_NONCE = "urn:ietf:params:acme:error:badNonce";
/** A server that stops answering (Pebble's deadlock) must fail the run, not hang it. */
const REQUEST_TIMEOUT_MS = 60_000;
const MAX_BAD_NONCE_RETRIES = 5;

interface Directory {
  readonly newNonce: string;
  readonly newAccount: string;
  readonly newOrder: string;
}

export interface OpenAccountOptions {
  /**
   * Told of every 429 (registration included); resolving true sends the same request again, as
   * a client that waited the Retry-After does (RFC 8555 §6.6). Without it a 429 is thrown.
   */
  readonly retryRefused?: (refusal: AcmeExchangeError) => Promise<boolean>;
}

/** Register a new account for `key` (RFC 8555 §7.3) and return a client signed in as it. */
export async function openAccount(endpoint: AcmeEndpoint, key: AccountKey, options: OpenAccountOptions = {}): Promise<AcmeClient> {
  // One connection per virtual client: its requests are sequential, as a real client's are.
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: endpoint.caPem });
  const exchange = async (method: string, url: string, body?: string): Promise<RawResponse> => {
    for (;;) {
      const response = await send(agent, method, url, body);
      if (response.status !== 429 || !options.retryRefused) return response;
      // A refused request was not processed (its nonce, if any, may be spent: badNonce is retried below).
      if (!(await options.retryRefused(new AcmeExchangeError(`${method} ${url} answered 429: ${response.body}`, response)))) return response;
    }
  };
  const directoryResponse = await exchange("GET", endpoint.directoryUrl);
  if (directoryResponse.status !== 200) throw new AcmeExchangeError(`GET ${endpoint.directoryUrl} answered ${directoryResponse.status}: ${directoryResponse.body}`, directoryResponse);
  const directory = parseDirectory(directoryResponse.body);
  const nonces: string[] = [];
  const counters: ClientCounters = { requests: 0, nonceFetches: 0, badNonceRetries: 0 };

  const nonce = async (): Promise<string> => {
    const pooled = nonces.pop();
    if (pooled !== undefined) return pooled;
    counters.nonceFetches += 1;
    const response = await exchange("HEAD", directory.newNonce);
    // A refusal (429 under a rate limit) carries a nonce too, but it is a refusal.
    if (response.status >= 300) throw new AcmeExchangeError(`HEAD ${directory.newNonce} answered ${response.status}: ${response.body}`, response);
    if (response.nonce === undefined) throw new AcmeExchangeError(`HEAD ${directory.newNonce} answered ${response.status} without a Replay-Nonce.`);
    return response.nonce;
  };

  const signedPost = async (url: string, payload: unknown, kid: string | undefined): Promise<AcmeResponse> => {
    for (let attempt = 0; ; attempt++) {
      counters.requests += 1;
      const response = await exchange("POST", url, key.signedBody(url, await nonce(), payload, kid));
      if (response.nonce !== undefined) nonces.push(response.nonce);
      if (response.status < 300) return response;
      if (response.status === 400 && response.body.includes(BAD_NONCE) && attempt < MAX_BAD_NONCE_RETRIES) {
        counters.badNonceRetries += 1;
        continue;
      }
      throw new AcmeExchangeError(`POST ${url} answered ${response.status}: ${response.body}`, response);
    }
  };

  const created = await signedPost(directory.newAccount, { termsOfServiceAgreed: true }, undefined);
  if (created.location === undefined) throw new AcmeExchangeError(`newAccount answered ${created.status} without a Location header.`);
  const accountUrl = created.location;
  return {
    key,
    accountUrl,
    newOrderUrl: directory.newOrder,
    counters,
    post: (url, payload) => signedPost(url, payload, accountUrl),
    refreshNonce: async () => {
      nonces.length = 0;
      nonces.push(await nonce());
    },
    close: () => agent.destroy(),
  };
}

interface RawResponse extends AcmeResponse, RefusedAnswer {}

function send(agent: Agent, method: string, url: string, body?: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      agent,
      lookup: loopbackOnly,
      headers: body === undefined ? {} : { "content-type": "application/jose+json", "content-length": Buffer.byteLength(body) },
    });
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
    req.once("error", (error) => reject(new AcmeExchangeError(`${method} ${url} failed: ${error.message}`)));
    req.once("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.once("error", (error) => reject(new AcmeExchangeError(`${method} ${url}: the answer broke off: ${error.message}`)));
      res.once("end", () => {
        const header = (name: string): string | undefined => {
          const value = res.headers[name];
          return Array.isArray(value) ? value.join(", ") : value;
        };
        resolve({
          status: res.statusCode ?? 0,
          nonce: header("replay-nonce"),
          location: header("location"),
          retryAfter: header("retry-after"),
          link: header("link"),
          contentType: header("content-type"),
          body: Buffer.concat(chunks).toString("utf8"),
        });
      });
    });
    req.end(body);
  });
}

function parseDirectory(text: string): Directory {
  const value: unknown = JSON.parse(text);
  return { newNonce: stringMember(value, "newNonce"), newAccount: stringMember(value, "newAccount"), newOrder: stringMember(value, "newOrder") };
}

/** A string member of a JSON object the server sent, or a clear error naming what is missing. */
export function stringMember(value: unknown, name: string): string {
  const member = typeof value === "object" && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  if (typeof member !== "string") throw new AcmeExchangeError(`expected a string "${name}" in ${JSON.stringify(value)?.slice(0, 500)}`);
  return member;
}
