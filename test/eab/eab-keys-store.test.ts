/**
 * EAB keys through the real writer on SQLite: create / list / revoke as the operator sees them,
 * the `acme_eab_keys` rows the projection keeps (rebuilt identically from the log), the scope
 * newOrder reads for a bound account — and the HMAC key in clear nowhere: not in the events,
 * not in the rows, not in the database file.
 */
import { readFile, unlink } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { eabStreamId } from "../../events/index.js";
import { projectBatch, tableProjections } from "../../projections/index.js";
import { AccountService } from "../../src/acme/accounts/account-service.js";
import { EabKeyNotFoundError, EabRequestError, EabService, KeyEncryptionKeyError, KeyEncryptionKeyFile } from "../../src/acme/eab/index.js";
import { toStoredEvent } from "../../src/store/rows.js";
import { accountKey, bindingJws, openEabStore, registration, type EabStore } from "./fixtures.js";

let store: EabStore;
beforeEach(async () => {
  store = await openEabStore();
});
afterEach(async () => store?.close());

describe("EAB keys in the store", () => {
  it("creates a key with its scope and note, lists it without key material, and prints a 256-bit key once", async () => {
    const created = await store.eab.createKey({ allowedNames: ["*.Corp.Example"], allowedProfiles: ["tlsserver"], note: " team A " });
    expect(Buffer.from(created.hmacKey, "base64url")).toHaveLength(32);
    expect(created.key).toMatchObject({ status: "active", boundAccountId: null, allowedNames: ["*.corp.example"], allowedProfiles: ["tlsserver"], note: "team A" });
    expect(created.key.keyId).toMatch(/^[0-9a-f]{24}$/);
    const listed = await store.eab.listKeys();
    expect(listed).toEqual([created.key]);
    expect(JSON.stringify(listed)).not.toContain(created.hmacKey);
  });

  it("refuses a bad name rule without writing anything", async () => {
    await expect(store.eab.createKey({ allowedNames: ["*"], allowedProfiles: [], note: null })).rejects.toThrow(EabRequestError);
    expect(await store.eab.listKeys()).toEqual([]);
  });

  it("revokes once, says so the second time, and names an unknown key id", async () => {
    const { key } = await store.eab.createKey({ allowedNames: [], allowedProfiles: [], note: null });
    expect(await store.eab.revokeKey(key.keyId)).toMatchObject({ alreadyRevoked: false, key: { status: "revoked" } });
    expect(await store.eab.revokeKey(key.keyId)).toMatchObject({ alreadyRevoked: true, key: { status: "revoked" } });
    expect((await store.dialect.readStream(eabStreamId(key.keyId))).map((e) => e.eventType)).toEqual(["acme.eab.key-created", "acme.eab.key-revoked"]);
    await expect(store.eab.revokeKey("nosuchkey")).rejects.toThrow(EabKeyNotFoundError);
    await expect(store.eab.revokeKey("nosuchkey")).rejects.toThrow(/no EAB key has key id "nosuchkey"/);
  });

  it("gives a bound account its key's scope, keeps it after revocation, and none to an unbound account", async () => {
    const { key, hmacKey } = await store.eab.createKey({ allowedNames: [".corp.example"], allowedProfiles: [], note: null });
    const alice = await accountKey();
    const outcome = await store.accounts.register(registration(alice, await bindingJws({ keyId: key.keyId, hmacKey, account: alice })));
    const accountId = outcome.kind === "created" ? outcome.account.accountId : "";
    expect(await store.eab.scopeOfAccount(accountId)).toEqual({ names: [".corp.example"], profiles: [] });
    const revoked = await store.eab.revokeKey(key.keyId);
    expect(revoked.key).toMatchObject({ status: "revoked", boundAccountId: accountId });
    expect(await store.eab.scopeOfAccount(accountId)).toEqual({ names: [".corp.example"], profiles: [] });
    // The account stays valid after its key is revoked.
    expect(await store.accounts.findById(accountId)).toMatchObject({ status: "valid", eabKeyId: key.keyId });

    const bob = await store.accounts.register(registration(await accountKey()));
    expect(await store.eab.scopeOfAccount(bob.kind === "created" ? bob.account.accountId : "")).toBeNull();
  });

  it("rebuilds acme_eab_keys from the log to exactly the rows the writer kept", async () => {
    const a = await store.eab.createKey({ allowedNames: ["host.example.com"], allowedProfiles: ["p"], note: "n" });
    await store.eab.createKey({ allowedNames: [], allowedProfiles: [], note: null });
    const alice = await accountKey();
    await store.accounts.register(registration(alice, await bindingJws({ keyId: a.key.keyId, hmacKey: a.hmacKey, account: alice })));
    await store.eab.revokeKey(a.key.keyId);
    const live = await store.dialect.readProjection("acme_eab_keys");
    expect(live).toHaveLength(2);
    await store.dialect.rebuildProjections((events) => projectBatch(tableProjections, events));
    expect(await store.dialect.readProjection("acme_eab_keys")).toEqual(live);
  });

  it("keeps the HMAC key out of the events, the rows and the database file", async () => {
    const { key, hmacKey } = await store.eab.createKey({ allowedNames: [], allowedProfiles: [], note: null });
    const raw = Buffer.from(hmacKey, "base64url");
    const events = (await store.dialect.readStream(eabStreamId(key.keyId))).map(toStoredEvent);
    const created = events[0]?.data as { encryptedKey?: { ciphertext?: string } } | undefined;
    expect(created?.encryptedKey?.ciphertext).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const text = JSON.stringify(events) + JSON.stringify(await store.dialect.readProjection("acme_eab_keys"));
    for (const encoding of [hmacKey, raw.toString("base64"), raw.toString("hex")]) expect(text).not.toContain(encoding);

    const files = await Promise.all([store.dbPath, `${store.dbPath}-wal`].map((p) => readFile(p).catch(() => Buffer.alloc(0))));
    const bytes = Buffer.concat(files);
    // The search looks where the events are: their ciphertext is there.
    expect(bytes.includes(Buffer.from(created?.encryptedKey?.ciphertext ?? "-"))).toBe(true);
    expect(bytes.includes(raw)).toBe(false);
    expect(bytes.includes(Buffer.from(hmacKey))).toBe(false);
    expect(bytes.includes(Buffer.from(raw.toString("base64")))).toBe(false);
  });

  it("cannot verify a binding once eab-kek is gone (a backup restored without it), and says which file is missing", async () => {
    const { key, hmacKey } = await store.eab.createKey({ allowedNames: [], allowedProfiles: [], note: null });
    await unlink(join(store.workdir, "eab-kek"));
    // A node started on the restored workdir: nothing cached.
    const eab = new EabService({ dialect: store.dialect, writer: store.writer, kek: new KeyEncryptionKeyFile(store.workdir) });
    const accounts = new AccountService(store.dialect, store.writer, { termsOfServiceRequired: false, externalAccountRequired: false }, eab);
    const alice = await accountKey();
    const failure = await accounts.register(registration(alice, await bindingJws({ keyId: key.keyId, hmacKey, account: alice }))).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(KeyEncryptionKeyError);
    expect(String((failure as Error).message)).toMatch(/eab-kek is missing/);
    expect(await store.dialect.readProjection("acme_accounts")).toEqual([]);
  });
});
