/**
 * The account aggregate through the real writer, on SQLite and (when it runs at 127.0.0.1)
 * PostgreSQL, each test on a fresh database: a command handler's loop (read the
 * stream, fold, decide, append at the version it decided on) keeps acme_accounts in step with
 * the log, a rebuild gives the same rows, and the unique thumbprint refuses a second account
 * on one key even when the lookup raced.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, type TestContext } from "vitest";
import { accountStreamId, decodeEvent, NodeStarted, type PendingEvent, type StoredEvent } from "../../events/index.js";
import { projectBatch, tableProjections } from "../../projections/index.js";
import {
  decideAccount,
  foldAccount,
  isAccountEvent,
  type AccountCommand,
  type AccountPolicy,
  type RegisterAccount,
} from "../../src/domain/account/index.js";
import type { EventStoreDialect } from "../../src/store/dialect.js";
import { openDialect, type StoreOptions } from "../../src/store/open.js";
import { toStoredEvent } from "../../src/store/rows.js";
import { uuidv4, uuidv7 } from "../../src/store/uuid.js";
import { EventWriter } from "../../src/store/writer.js";
import { accountKey, type AccountKey } from "../domain/account-fixtures.js";
import { postgresForTests, type TestPostgres } from "../support/postgres.js";

const policy: AccountPolicy = { termsOfServiceRequired: true, externalAccountRequired: false };

type Driver = "sqlite" | "postgres";

let dialect: EventStoreDialect;
let writer: EventWriter;
/** false when the test was skipped (no PostgreSQL) */
let opened = false;
/** commands per appendBatch call */
let attempts: number[];

let pg: TestPostgres | undefined;

async function storeOptions(driver: Driver): Promise<StoreOptions | undefined> {
  if (driver === "sqlite") return { driver, path: join(await mkdtemp(join(tmpdir(), "certeasy-accounts-")), "db.sqlite") };
  pg = postgresForTests("accounts");
  await pg.setup();
  return pg.storeOptions();
}

async function open(driver: Driver, ctx: TestContext): Promise<void> {
  const options = await storeOptions(driver);
  if (!options) return ctx.skip();
  dialect = await openDialect(options);
  await dialect.migrate();
  attempts = [];
  const counting: EventStoreDialect = { ...dialect, appendBatch: (c, actx) => (attempts.push(c.length), dialect.appendBatch(c, actx)) };
  writer = new EventWriter({
    dialect: counting, serverId: uuidv4(), leaseEpoch: null, clock: () => new Date(), projections: tableProjections, mirror: { appendEvents: async () => {} },
  });
  opened = true;
}

afterEach(async () => {
  if (opened) {
    await writer.close();
    await dialect.close();
    opened = false;
  }
  await pg?.teardown();
  pg = undefined;
});

/** What the command handler does: fold the stream, decide, append at the version decided on. */
async function handle(accountId: string, command: AccountCommand): Promise<readonly StoredEvent[]> {
  const stream = (await dialect.readStream(accountStreamId(accountId))).map(toStoredEvent);
  const state = foldAccount(stream.map(decodeEvent).filter(isAccountEvent));
  const decision = decideAccount(state, command, policy);
  if (decision.kind !== "accepted") throw new Error(`decided ${JSON.stringify(decision)}`);
  return writer.append({ streamId: accountStreamId(accountId), expectedVersion: stream.length, events: decision.events });
}

/** The events a new account's registration decides on (its stream is empty). */
function accepted(command: RegisterAccount): readonly PendingEvent[] {
  const decision = decideAccount(null, command, policy);
  if (decision.kind !== "accepted") throw new Error(`decided ${JSON.stringify(decision)}`);
  return decision.events;
}

const registration = (accountId: string, key: AccountKey): RegisterAccount => ({
  kind: "register", accountId, jwk: key.jwk, thumbprint: key.thumbprint, contact: ["mailto:ops@corp.example"],
  termsOfServiceAgreed: true, onlyReturnExisting: false, externalAccountBinding: null, keyOwner: null,
});

/** A unique violation on the thumbprint, as SQLite and PostgreSQL word it. */
const duplicateThumbprint = /UNIQUE constraint failed: acme_accounts\.thumbprint|acme_accounts_thumbprint_unique/;

describe.each<Driver>(["sqlite", "postgres"])("acme_accounts on %s through the writer", (driver) => {
  beforeEach((ctx) => open(driver, ctx));

  it("follows register, update, key change and deactivation, and a rebuild gives the same rows", async () => {
    const [key, newKey, otherKey] = [await accountKey(), await accountKey(), await accountKey()];
    const accountId = uuidv7();
    const other = uuidv7();
    const [registered] = await handle(accountId, { ...registration(accountId, key), externalAccountBinding: { keyId: "team-a" } });
    await handle(other, registration(other, otherKey));
    await handle(accountId, { kind: "update-contact", contact: ["mailto:pki@corp.example"] });
    await handle(accountId, { kind: "change-key", oldThumbprint: key.thumbprint, jwk: newKey.jwk, thumbprint: newKey.thumbprint, keyOwner: null });
    const [deactivated] = await handle(accountId, { kind: "deactivate" });

    const live = await dialect.readProjection("acme_accounts");
    expect(live).toHaveLength(2);
    expect(live.find((r) => r["accountId"] === accountId)).toEqual({
      accountId,
      thumbprint: newKey.thumbprint,
      jwk: expect.stringMatching(/^\{"crv":"P-256","kty":"EC",/) as unknown,
      contact: '["mailto:pki@corp.example"]',
      status: "deactivated",
      tosAgreed: true,
      eabKeyId: "team-a",
      createdAt: Date.parse(registered?.at ?? ""),
      updatedAt: Date.parse(deactivated?.at ?? ""),
    });
    expect(JSON.parse(String(live.find((r) => r["accountId"] === accountId)?.["jwk"]))).toEqual(newKey.jwk);
    expect(live.find((r) => r["accountId"] === other)).toMatchObject({ status: "valid", eabKeyId: null, tosAgreed: true });

    await dialect.rebuildProjections((events) => projectBatch(tableProjections, events));
    expect(await dialect.readProjection("acme_accounts")).toEqual(live);
  });

  it("refuses a second account on a key already registered, isolating that command in its batch", async () => {
    const key = await accountKey();
    const first = uuidv7();
    await handle(first, registration(first, key));
    // A newAccount whose thumbprint lookup ran before the first commit (keyOwner null), in one
    // batch with two good commands: the unique thumbprint refuses it alone.
    const [second, third] = [uuidv7(), uuidv7()];
    const appends = [
      { streamId: "node:x", events: [NodeStarted.create({ bootId: uuidv4(), hostname: "h", pid: 1, version: "t", firstBoot: false })] },
      { streamId: accountStreamId(second), events: accepted(registration(second, key)) },
      { streamId: accountStreamId(third), events: accepted(registration(third, await accountKey())) },
    ];
    const outcomes = await Promise.allSettled(appends.map((a) => writer.append({ ...a, expectedVersion: 0 })));
    // one batch of three, failed, then retried one command at a time
    expect(attempts.slice(-4)).toEqual([3, 1, 1, 1]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(duplicateThumbprint);
    expect(await dialect.readStream(accountStreamId(second))).toHaveLength(0);
    const rows = await dialect.readProjection("acme_accounts");
    expect(rows.map((r) => r["accountId"]).sort()).toEqual([first, third].sort());
  });

  it("refuses a key rollover onto a key another account holds, even without the lookup", async () => {
    const [a, b] = [await accountKey(), await accountKey()];
    const [idA, idB] = [uuidv7(), uuidv7()];
    await handle(idA, registration(idA, a));
    await handle(idB, registration(idB, b));
    await expect(
      handle(idA, { kind: "change-key", oldThumbprint: a.thumbprint, jwk: b.jwk, thumbprint: b.thumbprint, keyOwner: null }),
    ).rejects.toThrow(duplicateThumbprint);
    expect(await dialect.readStream(accountStreamId(idA))).toHaveLength(1);
  });
});
