/** The acme_accounts projection: account events in, row changes out (no database). */
import { beforeAll, describe, expect, it } from "vitest";
import {
  AccountDeactivated,
  AccountKeyChanged,
  AccountRegistered,
  AccountUpdated,
  GENESIS_HASH,
  NodeStarted,
  sealEnvelope,
  type PendingEvent,
  type StoredEvent,
} from "../../events/index.js";
import { accountsProjection, projectBatch } from "../../projections/index.js";
import { AccountStreamIdError } from "../../projections/tables/accounts.js";
import { accountKey, type AccountKey } from "../domain/account-fixtures.js";

const node = "11111111-1111-4111-8111-111111111111";
const accountId = "0193a0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d";

function chain(sid: string, pending: readonly PendingEvent[]): StoredEvent[] {
  const out: StoredEvent[] = [];
  pending.forEach((p, i) => {
    out.push(sealEnvelope({
      at: new Date(Date.UTC(2026, 10, 30, 8, 0, i)).toISOString(), data: p.data, eid: `e${i}`, gp: i + 1,
      meta: { node }, prev: out[i - 1]?.hash ?? GENESIS_HASH, sid, sv: i + 1, type: p.type, v: p.v,
    }));
  });
  return out;
}

let key: AccountKey;
let newKey: AccountKey;
beforeAll(async () => {
  key = await accountKey();
  newKey = await accountKey();
});

const lifecycle = (): StoredEvent[] =>
  chain(`account:${accountId}`, [
    AccountRegistered.create({
      accountId, jwk: key.jwk, thumbprint: key.thumbprint, contact: ["mailto:ops@corp.example"],
      termsOfServiceAgreed: true, externalAccountBinding: { keyId: "team-a" },
    }),
    AccountUpdated.create({ contact: ["mailto:pki@corp.example", "mailto:ops@corp.example"] }),
    AccountKeyChanged.create({ oldThumbprint: key.thumbprint, jwk: newKey.jwk, thumbprint: newKey.thumbprint }),
    AccountDeactivated.create({}),
  ]);

const at = (events: readonly StoredEvent[], i: number): number => Date.parse(events[i]?.at ?? "");

describe("acme_accounts projection", () => {
  it("inserts on registration, then updates contact, key and status, each stamping updated_at", () => {
    const events = lifecycle();
    const key0 = { accountId };
    expect(projectBatch([accountsProjection], events)).toEqual([
      { kind: "insert", table: "acme_accounts", row: {
        accountId, thumbprint: key.thumbprint, jwk: JSON.stringify(sortedJwk(key)), contact: '["mailto:ops@corp.example"]',
        status: "valid", tosAgreed: true, eabKeyId: "team-a", createdAt: at(events, 0), updatedAt: at(events, 0) } },
      { kind: "update", table: "acme_accounts", key: key0, set: {
        contact: '["mailto:pki@corp.example","mailto:ops@corp.example"]', updatedAt: at(events, 1) } },
      { kind: "update", table: "acme_accounts", key: key0, set: {
        jwk: JSON.stringify(sortedJwk(newKey)), thumbprint: newKey.thumbprint, updatedAt: at(events, 2) } },
      { kind: "update", table: "acme_accounts", key: key0, set: { status: "deactivated", updatedAt: at(events, 3) } },
    ]);
  });

  it("stores the JWK as canonical JSON, whatever order its members came in", () => {
    const [registered] = projectBatch([accountsProjection], lifecycle());
    const jwk = registered?.kind === "insert" ? String(registered.row["jwk"]) : "";
    expect(jwk.startsWith('{"crv":"P-256","kty":"EC","x":')).toBe(true);
  });

  it("ignores events of other aggregates", () => {
    const boot = chain("node:n", [NodeStarted.create({ bootId: node, hostname: "ca1", pid: 1, version: "t", firstBoot: true })]);
    expect(projectBatch([accountsProjection], boot)).toEqual([]);
  });

  it("refuses an account event outside an account stream", () => {
    expect(() => projectBatch([accountsProjection], chain("order:1", [AccountDeactivated.create({})]))).toThrow(AccountStreamIdError);
  });
});

function sortedJwk({ jwk }: AccountKey): Record<string, string> {
  return Object.fromEntries(Object.entries(jwk).sort(([a], [b]) => (a < b ? -1 : 1)));
}
