/**
 * newAccount with an external account binding (RFC 8555 §7.3.4), through the account service
 * on a real SQLite store: a good binding creates a bound account; every way a binding can be
 * wrong is refused with `malformed` or `unauthorized` and a detail that says which; a key binds
 * one account, also when two newAccounts race for it.
 */
import { FlattenedSign } from "jose";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EabKeyBound, eabStreamId } from "../../events/index.js";
import type { AccountOutcome } from "../../src/acme/accounts/account-service.js";
import { uuidv7 } from "../../src/store/uuid.js";
import { accountKey, bindingJws, NEW_ACCOUNT_URL, openEabStore, registration, rsaPrivateKey, type AccountKey, type EabStore } from "./fixtures.js";

let store: EabStore;
let keyId: string;
let hmacKey: string;
let alice: AccountKey;

beforeEach(async () => {
  store = await openEabStore();
  const created = await store.eab.createKey({ allowedNames: [], allowedProfiles: [], note: null });
  keyId = created.key.keyId;
  hmacKey = created.hmacKey;
  alice = await accountKey();
});
afterEach(async () => store?.close());

function refusal(outcome: AccountOutcome): { type: string; detail: string } {
  if (outcome.kind !== "rejected") throw new Error(`expected a refusal, got ${outcome.kind}`);
  return outcome.error;
}

const registerWith = async (account: AccountKey, binding: unknown): Promise<AccountOutcome> =>
  store.accounts.register(registration(account, binding));

describe("newAccount with externalAccountBinding", () => {
  it("binds a new account with a good HS256 binding, records the key id, and marks the key bound", async () => {
    const outcome = await registerWith(alice, await bindingJws({ keyId, hmacKey, account: alice }));
    expect(outcome.kind).toBe("created");
    const accountId = outcome.kind === "created" ? outcome.account.accountId : "";
    expect((await store.accounts.findById(accountId))?.eabKeyId).toBe(keyId);
    expect(await store.eab.listKeys()).toEqual([expect.objectContaining({ keyId, status: "bound", boundAccountId: accountId })]);
  });

  it("accepts HS384 and HS512 too", async () => {
    for (const alg of ["HS384", "HS512"]) {
      const fresh = await store.eab.createKey({ allowedNames: [], allowedProfiles: [], note: null });
      const account = await accountKey();
      const binding = await bindingJws({ keyId: fresh.key.keyId, hmacKey: fresh.hmacKey, account, header: { alg } });
      expect((await registerWith(account, binding)).kind, alg).toBe("created");
    }
  });

  it("refuses a MAC that does not verify: tampered signature, or HS256 under another key", async () => {
    const good = await bindingJws({ keyId, hmacKey, account: alice });
    const flipped = `${good.signature[0] === "A" ? "B" : "A"}${good.signature.slice(1)}`;
    expect(refusal(await registerWith(alice, { ...good, signature: flipped }))).toMatchObject({
      type: "unauthorized",
      detail: expect.stringMatching(/MAC does not verify/),
    });
    const otherKey = Buffer.alloc(32, 7).toString("base64url");
    expect(refusal(await registerWith(alice, await bindingJws({ keyId, hmacKey: otherKey, account: alice })))).toMatchObject({
      type: "unauthorized",
      detail: expect.stringMatching(/MAC does not verify/),
    });
    expect(await store.eab.listKeys()).toEqual([expect.objectContaining({ status: "active", boundAccountId: null })]);
  });

  it("refuses an EAB that is not MACed: alg none, or signed with RS256 like a request", async () => {
    const none = {
      protected: Buffer.from(JSON.stringify({ alg: "none", kid: keyId, url: NEW_ACCOUNT_URL })).toString("base64url"),
      payload: Buffer.from(JSON.stringify(alice.jwk)).toString("base64url"),
      signature: "AAAA",
    };
    expect(refusal(await registerWith(alice, none))).toMatchObject({ type: "malformed", detail: expect.stringMatching(/HS256, HS384 or HS512, not "none"/) });
    const rs256 = await new FlattenedSign(new TextEncoder().encode(JSON.stringify(alice.jwk)))
      .setProtectedHeader({ alg: "RS256", kid: keyId, url: NEW_ACCOUNT_URL })
      .sign(rsaPrivateKey());
    expect(refusal(await registerWith(alice, rs256))).toMatchObject({ type: "malformed", detail: expect.stringMatching(/not "RS256"/) });
  });

  it("refuses a nonce in the EAB header, a url other than newAccount's, and a missing kid", async () => {
    const withNonce = await bindingJws({ keyId, hmacKey, account: alice, header: { nonce: "abc" } });
    expect(refusal(await registerWith(alice, withNonce))).toMatchObject({ type: "malformed", detail: expect.stringMatching(/must not contain a nonce/) });
    const otherUrl = await bindingJws({ keyId, hmacKey, account: alice, header: { url: "https://acme.corp.example/acme/new-order" } });
    expect(refusal(await registerWith(alice, otherUrl))).toMatchObject({ type: "malformed", detail: expect.stringMatching(/url must be the newAccount URL/) });
    const noKid = await bindingJws({ keyId, hmacKey, account: alice, header: { kid: undefined } });
    expect(refusal(await registerWith(alice, noKid))).toMatchObject({ type: "malformed", detail: expect.stringMatching(/kid/) });
  });

  it("refuses a binding whose payload is another key than the one that signed newAccount", async () => {
    const mallory = await accountKey();
    const forMallory = await bindingJws({ keyId, hmacKey, account: mallory });
    expect(refusal(await registerWith(alice, forMallory))).toMatchObject({
      type: "unauthorized",
      detail: expect.stringMatching(/not the key that signed this newAccount/),
    });
    const notAKey = await bindingJws({ keyId, hmacKey, account: alice, payload: { hello: "world" } });
    expect(refusal(await registerWith(alice, notAKey))).toMatchObject({ type: "malformed", detail: expect.stringMatching(/public key as a JWK/) });
  });

  it("refuses what is not a flattened JWS at all", async () => {
    for (const value of [null, "a.b.c", [], { protected: "x", payload: "y" }, { signatures: [] }]) {
      expect(refusal(await registerWith(alice, value)).type, JSON.stringify(value)).toBe("malformed");
    }
  });

  it("refuses an unknown key id and a revoked key with unauthorized", async () => {
    const unknown = await bindingJws({ keyId: "0123456789abcdef01234567", hmacKey, account: alice });
    expect(refusal(await registerWith(alice, unknown))).toMatchObject({ type: "unauthorized", detail: expect.stringMatching(/unknown key id/) });
    await store.eab.revokeKey(keyId);
    expect(refusal(await registerWith(alice, await bindingJws({ keyId, hmacKey, account: alice })))).toMatchObject({
      type: "unauthorized",
      detail: expect.stringMatching(/has been revoked/),
    });
    expect(await store.dialect.readProjection("acme_accounts")).toEqual([]);
  });

  it("binds one account per key: a second account with the same key id is refused as already bound", async () => {
    expect((await registerWith(alice, await bindingJws({ keyId, hmacKey, account: alice }))).kind).toBe("created");
    const bob = await accountKey();
    expect(refusal(await registerWith(bob, await bindingJws({ keyId, hmacKey, account: bob })))).toMatchObject({
      type: "unauthorized",
      detail: expect.stringMatching(/already bound/),
    });
    // The bound account's own key still finds its account (RFC 8555 §7.3.1), binding or not.
    expect((await registerWith(alice, await bindingJws({ keyId, hmacKey, account: alice }))).kind).toBe("existing");
  });

  it("lets exactly one of several racing newAccounts bind a key", async () => {
    const racers = await Promise.all(Array.from({ length: 6 }, () => accountKey()));
    const bindings = await Promise.all(racers.map((account) => bindingJws({ keyId, hmacKey, account })));
    const outcomes = await Promise.all(racers.map((account, i) => registerWith(account, bindings[i])));
    expect(outcomes.filter((o) => o.kind === "created")).toHaveLength(1);
    for (const loser of outcomes.filter((o) => o.kind !== "created")) {
      expect(refusal(loser)).toMatchObject({ type: "unauthorized", detail: expect.stringMatching(/already bound/) });
    }
    expect(await store.dialect.readProjection("acme_accounts")).toHaveLength(1);
    const bound = (await store.dialect.readStream(eabStreamId(keyId))).filter((e) => e.eventType === "acme.eab.key-bound");
    expect(bound).toHaveLength(1);
  });

  it("completes a binding whose account was never registered (a stop between the two appends) under the same account id", async () => {
    const orphan = uuidv7();
    await store.writer.append({ streamId: eabStreamId(keyId), expectedVersion: 1, events: [EabKeyBound.create({ accountId: orphan })] });
    const outcome = await registerWith(alice, await bindingJws({ keyId, hmacKey, account: alice }));
    expect(outcome).toMatchObject({ kind: "created", account: { accountId: orphan } });
    const bob = await accountKey();
    expect(refusal(await registerWith(bob, await bindingJws({ keyId, hmacKey, account: bob }))).detail).toMatch(/already bound/);
  });

  it("without a binding: optional EAB registers, required EAB answers externalAccountRequired", async () => {
    expect((await store.accounts.register(registration(alice))).kind).toBe("created");
    const strict = await openEabStore({ externalAccountRequired: true });
    try {
      const outcome = await strict.accounts.register(registration(await accountKey()));
      expect(refusal(outcome).type).toBe("externalAccountRequired");
    } finally {
      await strict.close();
    }
  });
});
