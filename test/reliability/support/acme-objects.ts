/**
 * Real ACME objects for hostile-input tests, created over the wire: an account, a pending order
 * (with its authorization, challenge and finalize URLs) and a valid order with its certificate.
 * The foreign-object tests point another account's requests at these.
 */
import * as acme from "acme-client";
import { calculateJwkThumbprint } from "jose";
import { accountKey, type TestAccountKey } from "../../acme/jws-fixtures.js";
import type { AcmeTestServer } from "../../e2e/acme-server.js";
import type { AcmeWire, WireResponse } from "./acme-wire.js";

export interface WireAccount {
  readonly key: TestAccountKey;
  /** the account URL, the `kid` of its requests */
  readonly kid: string;
}

export interface AccountObjects {
  readonly account: WireAccount;
  readonly pendingOrder: string;
  readonly pendingFinalize: string;
  readonly pendingAuthz: string;
  readonly pendingChallenge: string;
  readonly validOrder: string;
  readonly validAuthz: string;
  readonly certificate: string;
  /** DER of the issued leaf, base64url, as revokeCert carries it (RFC 8555 §7.6) */
  readonly certificateB64u: string;
}

function json<T>(res: WireResponse, expected: number): T {
  if (res.status !== expected) throw new Error(`expected ${expected}, got ${res.status}: ${res.body}`);
  return JSON.parse(res.body) as T;
}

export async function newWireAccount(wire: AcmeWire): Promise<WireAccount> {
  const key = await accountKey("ES256");
  const res = await wire.signed(key, { url: wire.url("/acme/newAccount"), payload: { termsOfServiceAgreed: true } });
  json(res, 201);
  const kid = res.headers.location;
  if (typeof kid !== "string") throw new Error("newAccount answered without Location");
  return { key, kid };
}

interface OrderDoc {
  readonly status: string;
  readonly authorizations: string[];
  readonly finalize: string;
  readonly certificate?: string;
}

async function newOrder(wire: AcmeWire, account: WireAccount, name: string): Promise<{ url: string; doc: OrderDoc }> {
  const res = await wire.signed(account.key, { url: wire.url("/acme/newOrder"), kid: account.kid, payload: { identifiers: [{ type: "dns", value: name }] } });
  const doc = json<OrderDoc>(res, 201);
  return { url: String(res.headers.location), doc };
}

async function postAsGet<T>(wire: AcmeWire, account: WireAccount, url: string): Promise<T> {
  return json<T>(await wire.signed(account.key, { url, kid: account.kid }), 200);
}

async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** An account with one pending order and one valid order whose certificate is issued. */
export async function accountWithObjects(server: AcmeTestServer, wire: AcmeWire, label: string): Promise<AccountObjects> {
  const account = await newWireAccount(wire);
  const pending = await newOrder(wire, account, `pending.${label}.test`);
  const pendingAuthz = pending.doc.authorizations[0] ?? "";
  const pendingAuthzDoc = await postAsGet<{ challenges: { url: string }[] }>(wire, account, pendingAuthz);

  const valid = await newOrder(wire, account, `valid.${label}.test`);
  const validAuthz = valid.doc.authorizations[0] ?? "";
  const authzDoc = await postAsGet<{ challenges: { type: string; url: string; token: string }[] }>(wire, account, validAuthz);
  const http01 = authzDoc.challenges.find((c) => c.type === "http-01");
  if (!http01) throw new Error("no http-01 challenge offered");
  server.http01.set(http01.token, `${http01.token}.${await calculateJwkThumbprint(account.key.publicJwk)}`);
  json(await wire.signed(account.key, { url: http01.url, kid: account.kid, payload: {} }), 200);
  await until("the order to be ready", () => postAsGet<OrderDoc>(wire, account, valid.url), (o) => o.status === "ready");
  const [, csr] = await acme.crypto.createCsr({ altNames: [`valid.${label}.test`] }, await acme.crypto.createPrivateEcdsaKey());
  json(await wire.signed(account.key, { url: valid.doc.finalize, kid: account.kid, payload: { csr: acme.crypto.getPemBodyAsB64u(csr) } }), 200);
  const done = await until("the certificate", () => postAsGet<OrderDoc>(wire, account, valid.url), (o) => o.status === "valid" || o.status === "invalid");
  if (!done.certificate) throw new Error(`order ended ${done.status} without a certificate`);
  const chain = await wire.signed(account.key, { url: done.certificate, kid: account.kid });
  const leafPem = chain.body.slice(0, chain.body.indexOf("-----END CERTIFICATE-----"));
  const leafDer = Buffer.from(leafPem.replace(/-----BEGIN CERTIFICATE-----|\s/g, ""), "base64");

  return {
    account,
    pendingOrder: pending.url,
    pendingFinalize: pending.doc.finalize,
    pendingAuthz,
    pendingChallenge: pendingAuthzDoc.challenges[0]?.url ?? "",
    validOrder: valid.url,
    validAuthz,
    certificate: done.certificate,
    certificateB64u: leafDer.toString("base64url"),
  };
}
