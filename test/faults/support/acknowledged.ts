/**
 * What the fault tests check after a server came back: every answer the clients were given that
 * acknowledged a change is reflected in the database and served again, and no validation or
 * issuance is left in `processing`. Plus the validation world (test DNS and http-01 responder on
 * loopback) the `serve` children are configured with.
 */
import { afterAll, beforeAll, expect } from "vitest";
import { POST_AS_GET } from "../../bench/issuance/account-key.js";
import type { Installation } from "../../e2e/harness.js";
import { startHttp01Responder, type Http01Responder } from "../../support/challenge-responders.js";
import { startDnsServer, type TestDnsServer } from "../../support/dns-server.js";
import type { Ledger } from "./mixed-acme-load.js";

export interface ValidationWorld {
  readonly dns: TestDnsServer;
  readonly responder: Http01Responder;
}

/** A test DNS server (every name → 127.0.0.1) and an http-01 responder for the file's tests. */
export function useValidationWorld(): () => ValidationWorld {
  let world: ValidationWorld | undefined;
  beforeAll(async () => {
    const [dns, responder] = await Promise.all([startDnsServer({ defaultA: "127.0.0.1" }), startHttp01Responder()]);
    world = { dns, responder };
  });
  afterAll(async () => {
    await Promise.all([world?.dns.close(), world?.responder.close()]);
  });
  return () => {
    if (!world) throw new Error("the validation world is started in beforeAll");
    return world;
  };
}

/** Validation against the test DNS and http-01 responder on loopback, and no authorization reuse. */
export const validationWorldYaml = ({ dns, responder }: ValidationWorld): string =>
  [
    "acme:",
    "  valid-authorization-lifetime: 0s",
    "dns-validation-profiles:",
    "  - name: loopback",
    "    zones:",
    "      - suffixes:",
    '          - "."',
    `        dns-server: ${dns.address}`,
    "    resolved-ip-policy:",
    "      allow-cidrs:",
    "        - 127.0.0.0/8",
    "    ports:",
    `      http-01: ${responder.port}`,
  ].join("\n");

/** Every acknowledged answer is in the restarted server's database and served by it. */
export async function expectAcknowledgedKept(node: Installation, ledger: Ledger): Promise<void> {
  const accounts = new Set((await node.db.query<{ account_id: string }>("SELECT account_id FROM acme_accounts")).map((r) => r.account_id));
  for (const id of ledger.accounts.keys()) expect(accounts.has(id), `acknowledged account ${id}`).toBe(true);
  const orders = new Set((await node.db.query<{ order_id: string }>("SELECT order_id FROM acme_orders")).map((r) => r.order_id));
  for (const id of ledger.orders) expect(orders.has(id), `acknowledged order ${id}`).toBe(true);
  const certificates = new Map((await node.db.query<{ certificate_id: string; status: string }>("SELECT certificate_id, status FROM acme_certificates")).map((r) => [r.certificate_id, r.status]));
  for (const id of ledger.issued.keys()) expect(certificates.has(id), `certificate ${id} of an acknowledged valid order`).toBe(true);
  for (const id of ledger.revoked) expect(certificates.get(id), `acknowledged revocation of ${id}`).toBe("revoked");
  for (const [id, { url, client }] of ledger.issued) {
    let body = "";
    for (let attempt = 0; attempt < 3 && !body.startsWith("-----BEGIN CERTIFICATE-----"); attempt++) {
      try {
        body = (await client.post(url, POST_AS_GET)).body;
      } catch (error) {
        // A keep-alive socket of the killed server may be handed out once; a second try connects anew.
        body = String(error);
      }
    }
    expect(body.slice(0, 27), `download of certificate ${id}`).toBe("-----BEGIN CERTIFICATE-----");
  }
}

/** Validations (challenges) and issuances (orders) in `processing`. */
export async function processing(node: Installation): Promise<number> {
  const [orders] = await node.db.query<{ n: number | string }>("SELECT count(*) AS n FROM acme_orders WHERE status = 'processing'");
  const [challenges] = await node.db.query<{ n: number | string }>("SELECT count(*) AS n FROM acme_challenges WHERE status = 'processing'");
  return Number(orders?.n ?? 0) + Number(challenges?.n ?? 0);
}

