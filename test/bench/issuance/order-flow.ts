/**
 * One complete order, as a careful client runs it (RFC 8555 §7.4): newOrder → fetch the
 * authorization → put the key authorization up on the http-01 responder (§8.3) → tell the server
 * to validate (POST `{}` to the challenge) → poll the authorization until valid → finalize with the
 * CSR → poll the order until valid → download the certificate chain (§7.4.2).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { POST_AS_GET } from "./account-key.js";
import { AcmeExchangeError, stringMember, type AcmeClient, type AcmeResponse } from "./acme-client.js";

/** Where the bench publishes key authorizations: the test http-01 responder. */
export interface Http01Publisher {
  set(token: string, keyAuthorization: string): void;
  remove(token: string): void;
}

export interface OrderWork {
  /** a DNS name no earlier order of this server used, so every order is validated afresh */
  readonly identifier: string;
  /** the DER CSR for `identifier`, built before the timed phase */
  readonly csr: Buffer;
}

/**
 * The requests of one order, in flow order: where an order's latency goes (each is the time
 * from sending the request to its whole answer, on the client's clock).
 */
export const REQUEST_KINDS = ["newOrder", "authz", "challenge", "authz poll", "finalize", "order poll", "download"] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];

export interface OrderTrace {
  readonly ms: number;
  /** every request of the order, polls included, with how long each took */
  readonly requests: readonly { readonly kind: RequestKind; readonly ms: number }[];
  /** POST-as-GETs of the authorization after the challenge was triggered */
  readonly authzPolls: number;
  /** POST-as-GETs of the order after finalize answered */
  readonly orderPolls: number;
}

export interface FlowOptions {
  /** fixed delay before each poll (no Retry-After honoured: both servers are polled alike) */
  readonly pollDelayMs: number;
  /** give up on an order after this many polls of one resource */
  readonly maxPolls: number;
}

export async function completeOrder(client: AcmeClient, http01: Http01Publisher, work: OrderWork, options: FlowOptions): Promise<OrderTrace> {
  const started = performance.now();
  const requests: { kind: RequestKind; ms: number }[] = [];
  const post = async (kind: RequestKind, url: string, payload: unknown): Promise<AcmeResponse> => {
    const sent = performance.now();
    const response = await client.post(url, payload);
    requests.push({ kind, ms: performance.now() - sent });
    return response;
  };
  const created = await post("newOrder", client.newOrderUrl, { identifiers: [{ type: "dns", value: work.identifier }] });
  const orderUrl = created.location;
  if (orderUrl === undefined) throw new AcmeExchangeError(`newOrder for ${work.identifier} answered ${created.status} without a Location header.`);
  const order = json(created.body);
  const authzUrl = firstAuthorization(order);
  const authz = json((await post("authz", authzUrl, POST_AS_GET)).body);
  const challenge = http01Challenge(authz);
  const token = stringMember(challenge, "token");
  http01.set(token, `${token}.${client.key.thumbprint}`);
  try {
    await post("challenge", stringMember(challenge, "url"), {});
    const authzPolls = await pollUntilValid(() => post("authz poll", authzUrl, POST_AS_GET), authzUrl, "authorization", options);
    let current = json((await post("finalize", stringMember(order, "finalize"), { csr: work.csr.toString("base64url") })).body);
    let orderPolls = 0;
    while (stringMember(current, "status") !== "valid") {
      refuseInvalid(current, `order ${orderUrl}`);
      if (++orderPolls > options.maxPolls) throw new AcmeExchangeError(`order ${orderUrl} still ${stringMember(current, "status")} after ${options.maxPolls} polls.`);
      await sleep(options.pollDelayMs);
      current = json((await post("order poll", orderUrl, POST_AS_GET)).body);
    }
    const chain = await post("download", stringMember(current, "certificate"), POST_AS_GET);
    if (!chain.body.startsWith("-----BEGIN CERTIFICATE-----")) throw new AcmeExchangeError(`the certificate of ${orderUrl} is not a PEM chain: ${chain.body.slice(0, 200)}`);
    return { ms: performance.now() - started, requests, authzPolls, orderPolls };
  } finally {
    http01.remove(token);
  }
}

/** RFC 8555 §7.5.1: the client polls the authorization, not the challenge. Returns the poll count. */
async function pollUntilValid(poll: () => Promise<AcmeResponse>, url: string, what: string, options: FlowOptions): Promise<number> {
  for (let polls = 1; polls <= options.maxPolls; polls++) {
    await sleep(options.pollDelayMs);
    const resource = json((await poll()).body);
    if (stringMember(resource, "status") === "valid") return polls;
    refuseInvalid(resource, `${what} ${url}`);
  }
  throw new AcmeExchangeError(`${what} ${url} was not valid after ${options.maxPolls} polls.`);
}

function refuseInvalid(resource: unknown, what: string): void {
  if (stringMember(resource, "status") === "invalid") throw new AcmeExchangeError(`${what} became invalid: ${JSON.stringify(resource)}`);
}

type JsonObject = Readonly<Record<string, unknown>>;

function json(text: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null) throw new AcmeExchangeError(`expected a JSON object, got ${text.slice(0, 200)}`);
  return value as JsonObject;
}

function firstAuthorization(order: JsonObject): string {
  const list = order["authorizations"];
  const first: unknown = Array.isArray(list) ? list[0] : undefined;
  if (typeof first !== "string") throw new AcmeExchangeError(`the order names no authorization: ${JSON.stringify(order)}`);
  return first;
}

function http01Challenge(authz: JsonObject): unknown {
  const challenges = authz["challenges"];
  const found: unknown = Array.isArray(challenges) ? challenges.find((c: unknown) => typeof c === "object" && c !== null && (c as JsonObject)["type"] === "http-01") : undefined;
  if (found === undefined) throw new AcmeExchangeError(`the authorization offers no http-01 challenge: ${JSON.stringify(authz)}`);
  return found;
}
