/**
 * A mixed ACME load for the fault and sustained-load tests: N virtual clients, each with its own
 * account, running complete orders back to back (newOrder → http-01 → finalize → download) and
 * revoking one certificate in `revokeEvery`. Every answer that acknowledges a state change is
 * written into a ledger — the account (201), the order (201), the valid order's certificate URL,
 * the revocation (200) — so a test can check after a crash that the server kept its word.
 *
 * The clients are the issuance bench's cheap ones (node:crypto JWS, pooled nonces): 64 of them
 * cost the machine less than the server they load. A request that fails (connection refused
 * while the server is down, a problem document) abandons the client's current order — unless
 * it is a 429 and the load honours Retry-After, when the request is sent again after the wait
 * (registration included); what happens is counted, and whether that is expected is the test's call.
 */
import { X509Certificate } from "node:crypto";
import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { generateAccountKey, POST_AS_GET } from "../../bench/issuance/account-key.js";
import { AcmeExchangeError, openAccount, stringMember, type AcmeClient, type AcmeResponse, type AcmeEndpoint } from "../../bench/issuance/acme-client.js";
import { generateCertificateKey, type CertificateKey } from "../../bench/issuance/csr.js";
import type { Http01Publisher } from "../../bench/issuance/order-flow.js";

export interface IssuedCertificate {
  readonly url: string;
  readonly client: AcmeClient;
}

/** What the server acknowledged, keyed by the id in the resource URL. */
export interface Ledger {
  readonly accounts: Map<string, AcmeClient>;
  readonly orders: Set<string>;
  readonly issued: Map<string, IssuedCertificate>;
  readonly revoked: Set<string>;
}

export interface MixedLoadOptions {
  readonly endpoint: AcmeEndpoint;
  readonly http01: Http01Publisher;
  readonly clients: number;
  /** one in this many issued certificates is revoked right away; 0 revokes none */
  readonly revokeEvery: number;
  /** DNS name of order n; must be unique across the whole run */
  readonly identifier: (n: number) => string;
  readonly pollDelayMs?: number;
  /** pause of a client after a failed request before it starts over */
  readonly backoffMs?: number;
  /**
   * After a refusal that carries `Retry-After` (a 429 `rateLimited`, a 503), wait that long, as
   * RFC 8555 §6.6 asks of a client, instead of `backoffMs`; a 429 in the middle of an order is
   * then retried after the wait (each refusal still counted as a failure) instead of abandoning
   * the order, as a real ACME client does.
   */
  readonly honourRetryAfter?: boolean;
  /** sees every failure before it is counted, e.g. to check a refusal's headers */
  readonly onFailure?: (error: unknown) => void;
}

export interface LoadCounters {
  ordersCompleted: number;
  revocations: number;
  /** failures by a short class: the status and problem type, or the connection error */
  readonly failures: Map<string, number>;
  /** the first full message of each failure class */
  readonly samples: Map<string, string>;
  /** requests of an order that went through after the client failed (once per streak of failures) */
  recoveries: number;
}

const MAX_POLLS = 400;

export class MixedAcmeLoad {
  readonly ledger: Ledger = { accounts: new Map(), orders: new Set(), issued: new Map(), revoked: new Set() };
  readonly counters: LoadCounters = { ordersCompleted: 0, revocations: 0, failures: new Map(), samples: new Map(), recoveries: 0 };
  /** completion time (performance.now) of every order, for throughput windows */
  readonly completions: number[] = [];
  #running = false;
  /** aborts the clients' waits when the load stops */
  #stopping = new AbortController();
  #workers: Promise<void>[] = [];
  /** per client: when (performance.now) its current streak of failures began; undefined once a request of an order went through */
  readonly failingSince: (number | undefined)[];
  /** per client: whether it ever failed */
  readonly everFailed: boolean[];
  #nextOrder = 1;
  readonly #clients: (AcmeClient | undefined)[];
  readonly #certificateKeys: CertificateKey[];

  constructor(readonly options: MixedLoadOptions) {
    this.#clients = Array.from({ length: options.clients }, () => undefined);
    this.failingSince = Array.from({ length: options.clients }, () => undefined);
    this.everFailed = Array.from({ length: options.clients }, () => false);
    this.#certificateKeys = Array.from({ length: options.clients }, () => generateCertificateKey());
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#stopping = new AbortController();
    // Every client may be waiting on it at once.
    setMaxListeners(this.options.clients + 10, this.#stopping.signal);
    this.#workers = this.#clients.map((_, i) => this.#work(i));
  }

  /** Let every client finish (or abandon) the request it is in, then stop. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stopping.abort();
    await Promise.all(this.#workers);
    this.#workers = [];
  }

  close(): void {
    for (const client of this.#clients) client?.close();
  }

  async #work(i: number): Promise<void> {
    while (this.#running) {
      try {
        let client = this.#clients[i];
        if (client === undefined) {
          client = await openAccount(this.options.endpoint, generateAccountKey(), this.options.honourRetryAfter ? { retryRefused: (refusal) => this.#waitOut(refusal, i) } : {});
          this.#clients[i] = client;
          this.ledger.accounts.set(lastSegment(client.accountUrl), client);
          this.#succeeded(i);
        }
        await this.#order(client, i);
      } catch (error) {
        this.#fail(error, i);
        const retryAfter = this.options.honourRetryAfter ? retryAfterMs(error) : undefined;
        await sleep(retryAfter ?? this.options.backoffMs ?? 100, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
      }
    }
  }

  async #order(client: AcmeClient, i: number): Promise<void> {
    const identifier = this.options.identifier(this.#nextOrder++);
    const created = await this.#post(client, i, client.newOrderUrl, { identifiers: [{ type: "dns", value: identifier }] });
    const orderUrl = created.location ?? "";
    this.ledger.orders.add(lastSegment(orderUrl));
    const order = json(created.body);
    const authzUrl = String((order["authorizations"] as unknown[] | undefined)?.[0]);
    const authz = json((await this.#post(client, i, authzUrl, POST_AS_GET)).body);
    const challenge = (authz["challenges"] as Record<string, unknown>[]).find((c) => c["type"] === "http-01") ?? {};
    const token = stringMember(challenge, "token");
    // The answer stays published after a failure: a validation the server resumes after a
    // restart can still succeed, as it would against a real web server.
    this.options.http01.set(token, `${token}.${client.key.thumbprint}`);
    await this.#post(client, i, stringMember(challenge, "url"), {});
    await this.#poll(client, i, authzUrl, "authorization");
    const csr = this.#certificateKeys[i]?.csrFor(identifier) ?? Buffer.alloc(0);
    await this.#post(client, i, stringMember(order, "finalize"), { csr: csr.toString("base64url") });
    const valid = await this.#poll(client, i, orderUrl, "order");
    const certificateUrl = stringMember(valid, "certificate");
    this.ledger.issued.set(lastSegment(certificateUrl), { url: certificateUrl, client });
    this.options.http01.remove(token);
    const chain = (await this.#post(client, i, certificateUrl, POST_AS_GET)).body;
    this.counters.ordersCompleted += 1;
    this.completions.push(performance.now());
    if (this.options.revokeEvery > 0 && this.counters.ordersCompleted % this.options.revokeEvery === 0) {
      const leaf = new X509Certificate(chain.split(/(?<=-----END CERTIFICATE-----)/)[0] ?? "");
      await this.#post(client, i, new URL("/acme/revoke-cert", certificateUrl).href, { certificate: leaf.raw.toString("base64url"), reason: 4 });
      this.ledger.revoked.add(lastSegment(certificateUrl));
      this.counters.revocations += 1;
    }
  }

  /** A request of the order in progress (under `honourRetryAfter` the client waits out a 429 and sends it again). */
  async #post(client: AcmeClient, i: number, url: string, payload: unknown): Promise<AcmeResponse> {
    const answer = await client.post(url, payload);
    this.#succeeded(i);
    return answer;
  }

  /**
   * A 429 under `honourRetryAfter`: counted, waited out, sent again (true). Without a Retry-After,
   * or once stopping, it is not counted here but given up (false) and counted as the failure it
   * then is: every refusal the server sent is counted exactly once.
   */
  async #waitOut(refusal: AcmeExchangeError, i: number): Promise<boolean> {
    const wait = retryAfterMs(refusal);
    if (wait === undefined || !this.#running) return false;
    this.#fail(refusal, i);
    await sleep(wait, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
    return true;
  }

  async #poll(client: AcmeClient, i: number, url: string, what: string): Promise<Record<string, unknown>> {
    for (let polls = 0; polls < MAX_POLLS; polls++) {
      await sleep(this.options.pollDelayMs ?? 25);
      const resource = json((await this.#post(client, i, url, POST_AS_GET)).body);
      const status = stringMember(resource, "status");
      if (status === "valid") return resource;
      if (status === "invalid") throw new Error(`${what} invalid: ${JSON.stringify(resource).slice(0, 300)}`);
    }
    throw new Error(`${what} not valid after ${MAX_POLLS} polls`);
  }

  /** A request went through: a streak of failures of this client, if any, ends. */
  #succeeded(i: number): void {
    if (this.failingSince[i] === undefined) return;
    this.counters.recoveries += 1;
    this.failingSince[i] = undefined;
  }

  #fail(error: unknown, i: number): void {
    this.options.onFailure?.(error);
    this.failingSince[i] ??= performance.now();
    this.everFailed[i] = true;
    const failures = this.counters.failures;
    const key = failureClass(error);
    failures.set(key, (failures.get(key) ?? 0) + 1);
    if (!this.counters.samples.has(key)) this.counters.samples.set(key, error instanceof Error ? error.message : String(error));
  }
}

/** `POST … answered 503: {"type":"urn:…:serverInternal"…` → `503 serverInternal`; connection errors by their code. */
export function failureClass(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const answered = /answered (\d{3}): .*?urn:ietf:params:acme:error:(\w+)/.exec(message);
  if (answered) return `${answered[1]} ${answered[2]}`;
  const status = /answered (\d{3})/.exec(message);
  if (status) return `${status[1]}`;
  const settled = /^(\w+) (invalid|not valid after)/.exec(message);
  if (settled) return `${settled[1]} ${settled[2]}`;
  const code = /\b(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|socket hang up|no answer within)/.exec(message);
  if (code) return String(code[1]);
  return message.slice(0, 120);
}

/** The `Retry-After` of a refusal in milliseconds (delay-seconds form, RFC 9110 §10.2.3), if it had one. */
function retryAfterMs(error: unknown): number | undefined {
  const value = error instanceof AcmeExchangeError ? error.answer?.retryAfter : undefined;
  return value !== undefined && /^\d+$/.test(value) ? Number(value) * 1000 : undefined;
}

export const lastSegment = (url: string): string => url.slice(url.lastIndexOf("/") + 1);

function json(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null) throw new Error(`expected a JSON object, got ${text.slice(0, 200)}`);
  return value as Record<string, unknown>;
}
