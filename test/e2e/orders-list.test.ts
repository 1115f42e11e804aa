/**
 * The account's orders list (RFC 8555 §7.1.2.1) a page at a time: a client follows
 * `Link: rel="next"` until there is none and sees every order once, in creation order.
 */
import { lookup as dnsLookup } from "node:dns";
import https from "node:https";
import type { LookupFunction } from "node:net";
import * as acme from "acme-client";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startAcmeTestServer, type AcmeTestServer } from "./acme-server.js";

const loopback: LookupFunction = (_host, options, callback) => dnsLookup("127.0.0.1", { ...options, family: 4 }, callback);

interface ListPage {
  readonly status: number;
  readonly data: { readonly orders?: readonly string[]; readonly type?: string };
  readonly headers: Readonly<Record<string, string | undefined>>;
}
type SignedApi = { apiRequest(url: string, payload: null, codes: number[]): Promise<ListPage> };

let server: AcmeTestServer;

beforeAll(async () => {
  server = await startAcmeTestServer({ ordersPageSize: 2 });
  acme.axios.defaults.httpsAgent = new https.Agent({ ca: server.rootPem, lookup: loopback });
});
afterAll(async () => server?.stop());

const nextLink = (headers: ListPage["headers"]): string | undefined => /<([^>]+)>;rel="next"/.exec(headers["link"] ?? "")?.[1];

it("pages through the account's orders with Link rel=next, each order once and in creation order", async () => {
  const client = new acme.Client({ directoryUrl: server.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await client.createAccount({ termsOfServiceAgreed: true });
  const created: string[] = [];
  for (let i = 0; i < 5; i++) created.push((await client.createOrder({ identifiers: [{ type: "dns", value: `page-${i}.list.test` }] })).url);
  // Another account's orders never show up in this list.
  const other = new acme.Client({ directoryUrl: server.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await other.createAccount({ termsOfServiceAgreed: true });
  await other.createOrder({ identifiers: [{ type: "dns", value: "other.list.test" }] });

  const api = (client as unknown as { api: SignedApi }).api;
  const pages: (readonly string[])[] = [];
  let url: string | undefined = `${client.getAccountUrl()}/orders`;
  while (url !== undefined) {
    const page: ListPage = await api.apiRequest(url, null, [200]);
    pages.push(page.data.orders ?? []);
    url = nextLink(page.headers);
  }
  expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
  expect(pages.flat()).toEqual(created);
});

it("refuses a cursor it never issued as malformed", async () => {
  const client = new acme.Client({ directoryUrl: server.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey() });
  await client.createAccount({ termsOfServiceAgreed: true });
  const api = (client as unknown as { api: SignedApi }).api;
  const refused = await api.apiRequest(`${client.getAccountUrl()}/orders?cursor=${"z".repeat(64)}`, null, [400]);
  expect(refused.data.type).toBe("urn:ietf:params:acme:error:malformed");
});
