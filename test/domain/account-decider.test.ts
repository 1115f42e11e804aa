/**
 * The account decider, table-tested: given the account's past events, when a command arrives,
 * then these events — or this refusal (RFC 8555 §7.3).
 */
import { beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import {
  AccountDeactivated,
  AccountKeyChanged,
  AccountRegistered,
  AccountUpdated,
  upcast,
  type PendingEvent,
} from "../../events/index.js";
import {
  AccountStreamError,
  decideAccount,
  foldAccount,
  isAccountEvent,
  type AccountCommand,
  type AccountDecision,
  type AccountEvent,
  type AccountPolicy,
  type RegisterAccount,
} from "../../src/domain/account/index.js";
import type { AcmeErrorType } from "../../src/http/problem.js";
import type { DomainErrorType } from "../../src/domain/domain-error.js";
import { accountKey, type AccountKey } from "./account-fixtures.js";

const accountId = "0193a0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d";
const otherAccountId = "0193a0c4-5e6f-7a8b-9c0d-ffffffffffff";
const open: AccountPolicy = { termsOfServiceRequired: false, externalAccountRequired: false };
const strict: AccountPolicy = { termsOfServiceRequired: true, externalAccountRequired: true };

let key: AccountKey;
let newKey: AccountKey;
beforeAll(async () => {
  key = await accountKey();
  newKey = await accountKey();
});

const register = (over: Partial<RegisterAccount> = {}): RegisterAccount => ({
  kind: "register", accountId, jwk: key.jwk, thumbprint: key.thumbprint, contact: ["mailto:ops@corp.example"],
  termsOfServiceAgreed: true, onlyReturnExisting: false, externalAccountBinding: null, keyOwner: null, ...over,
});
const registered = (): PendingEvent =>
  AccountRegistered.create({
    accountId, jwk: key.jwk, thumbprint: key.thumbprint, contact: ["mailto:ops@corp.example"],
    termsOfServiceAgreed: true, externalAccountBinding: null,
  });

/** Decode pending events as the command handler would read them back from the stream. */
function given(events: readonly PendingEvent[]): AccountEvent[] {
  return events.map((e) => upcast(e.type, e.v, e.data)).filter(isAccountEvent);
}

function when(past: readonly PendingEvent[], command: AccountCommand, policy: AccountPolicy = open): AccountDecision {
  return decideAccount(foldAccount(given(past)), command, policy);
}

const refusal = (decision: AccountDecision): { type: string; detail: string; conflictingAccountId?: string } => {
  if (decision.kind !== "rejected") throw new Error(`expected a refusal, got ${decision.kind}`);
  return decision.error;
};
const eventsOf = (decision: AccountDecision): readonly PendingEvent[] => {
  if (decision.kind !== "accepted") throw new Error(`expected events, got ${JSON.stringify(decision)}`);
  return decision.events;
};

describe("newAccount (RFC 8555 §7.3)", () => {
  it("registers a new key with its normalised contacts", () => {
    const events = eventsOf(when([], register({ contact: ["MAILTO:Ops@Corp.Example", "mailto:ops@corp.example"] })));
    expect(events).toEqual([
      { type: "acme.account.registered", v: 1, data: {
        accountId, jwk: key.jwk, thumbprint: key.thumbprint, contact: ["mailto:Ops@corp.example", "mailto:ops@corp.example"],
        termsOfServiceAgreed: true, externalAccountBinding: null } },
    ]);
  });

  it("keeps the EAB key id and no contact at all when none is given", () => {
    const [event] = eventsOf(when([], register({ contact: [], externalAccountBinding: { keyId: "kid-1" } }), strict));
    expect(event?.data).toMatchObject({ contact: [], externalAccountBinding: { keyId: "kid-1" } });
  });

  it("returns the existing account for a known key, without events, whatever the payload says", () => {
    const owner = { accountId: otherAccountId, status: "valid" as const };
    expect(when([], register({ keyOwner: owner, contact: ["ftp://nope"], termsOfServiceAgreed: false }), strict)).toEqual({
      kind: "existing", accountId: otherAccountId,
    });
    expect(when([], register({ keyOwner: owner, onlyReturnExisting: true }))).toEqual({ kind: "existing", accountId: otherAccountId });
  });

  it.each<[string, Partial<RegisterAccount>, AccountPolicy, DomainErrorType]>([
    ["onlyReturnExisting for an unknown key", { onlyReturnExisting: true }, open, "accountDoesNotExist"],
    ["the key of a deactivated account", { keyOwner: { accountId: otherAccountId, status: "deactivated" } }, open, "unauthorized"],
    ["terms required but not agreed", { termsOfServiceAgreed: false, externalAccountBinding: { keyId: "k" } }, strict, "userActionRequired"],
    ["EAB required but absent", { externalAccountBinding: null }, strict, "externalAccountRequired"],
    ["a contact that is not mailto:", { contact: ["tel:+3312345678"] }, open, "unsupportedContact"],
    ["a contact with header fields", { contact: ["mailto:ops@corp.example?subject=hi"] }, open, "invalidContact"],
    ["two addresses in one contact", { contact: ["mailto:a@corp.example,b@corp.example"] }, open, "invalidContact"],
    ["a bad address", { contact: ["mailto:not an address"] }, open, "invalidContact"],
    ["too many contacts", { contact: Array.from({ length: 11 }, (_, i) => `mailto:ops${i}@corp.example`) }, open, "invalidContact"],
  ])("refuses %s", (_, over, policy, type) => {
    expect(refusal(when([], register(over), policy)).type).toBe(type);
  });

  it("names the offending contact and what is accepted", () => {
    expect(refusal(when([], register({ contact: ["mailto:ops@corp.example", "https://x"] }))).detail).toBe(
      'Contact "https://x" is not supported: only mailto: URIs are accepted.',
    );
  });

  it("treats a registration on an existing stream as a bug, not a client error", () => {
    expect(() => when([registered()], register())).toThrow(AccountStreamError);
  });
});

describe("account update and deactivation (RFC 8555 §7.3.2, §7.3.6)", () => {
  it("replaces the contact list, and records nothing when it does not change", () => {
    expect(eventsOf(when([registered()], { kind: "update-contact", contact: ["mailto:pki@corp.example"] }))).toEqual([
      AccountUpdated.create({ contact: ["mailto:pki@corp.example"] }),
    ]);
    expect(eventsOf(when([registered()], { kind: "update-contact", contact: ["mailto:OPS@CORP.example"] }))).toHaveLength(1);
    expect(eventsOf(when([registered()], { kind: "update-contact", contact: ["mailto:ops@CORP.example"] }))).toEqual([]);
    expect(eventsOf(when([registered()], { kind: "update-contact", contact: [] }))).toEqual([AccountUpdated.create({ contact: [] })]);
  });

  it("validates updated contacts like new ones", () => {
    expect(refusal(when([registered()], { kind: "update-contact", contact: ["mailto:x@[10.0.0.1]"] })).type).toBe("invalidContact");
  });

  it("deactivates a valid account", () => {
    expect(eventsOf(when([registered()], { kind: "deactivate" }))).toEqual([AccountDeactivated.create({})]);
  });

  it("refuses every command on an account that does not exist", () => {
    expect(refusal(when([], { kind: "deactivate" })).type).toBe("accountDoesNotExist");
  });
});

describe("deactivated is terminal (RFC 8555 §7.3.6)", () => {
  const commands = (): AccountCommand[] => [
    { kind: "update-contact", contact: ["mailto:pki@corp.example"] },
    { kind: "deactivate" },
    { kind: "change-key", oldThumbprint: key.thumbprint, jwk: newKey.jwk, thumbprint: newKey.thumbprint, keyOwner: null },
  ];
  it("answers unauthorized to any later command", () => {
    for (const command of commands()) {
      expect(refusal(when([registered(), AccountDeactivated.create({})], command))).toEqual({
        type: "unauthorized", detail: "The account is deactivated.",
      });
    }
  });
});

describe("keyChange (RFC 8555 §7.3.5)", () => {
  const change = (over: Partial<Extract<AccountCommand, { kind: "change-key" }>> = {}): AccountCommand => ({
    kind: "change-key", oldThumbprint: key.thumbprint, jwk: newKey.jwk, thumbprint: newKey.thumbprint, keyOwner: null, ...over,
  });

  it("rolls the key over, recording the old thumbprint", () => {
    expect(eventsOf(when([registered()], change()))).toEqual([
      AccountKeyChanged.create({ oldThumbprint: key.thumbprint, jwk: newKey.jwk, thumbprint: newKey.thumbprint }),
    ]);
  });

  it("follows the rolled key: the next change must name the new key as oldKey", () => {
    const rolled = [registered(), AccountKeyChanged.create({ oldThumbprint: key.thumbprint, jwk: newKey.jwk, thumbprint: newKey.thumbprint })];
    expect(foldAccount(given(rolled))).toMatchObject({ jwk: newKey.jwk, thumbprint: newKey.thumbprint, status: "valid" });
    expect(refusal(when(rolled, change({ oldThumbprint: key.thumbprint, thumbprint: "A".repeat(43) }))).type).toBe("malformed");
    expect(eventsOf(when(rolled, change({ oldThumbprint: newKey.thumbprint, jwk: key.jwk, thumbprint: key.thumbprint })))).toHaveLength(1);
  });

  it("answers a conflict naming the account that holds the new key", () => {
    expect(refusal(when([registered()], change({ keyOwner: { accountId: otherAccountId, status: "valid" } })))).toEqual({
      type: "malformed", detail: "The new key is already in use by another account.", conflictingAccountId: otherAccountId,
    });
  });

  it("refuses an oldKey that is not the account key, and a new key equal to the current one", () => {
    expect(refusal(when([registered()], change({ oldThumbprint: newKey.thumbprint }))).detail).toMatch(/oldKey/);
    const same = change({ jwk: key.jwk, thumbprint: key.thumbprint, keyOwner: { accountId, status: "valid" } });
    expect(refusal(when([registered()], same))).toEqual({ type: "malformed", detail: "The new key is the account's current key." });
  });
});

describe("evolveAccount", () => {
  it("rebuilds the whole account from its stream", () => {
    const state = foldAccount(given([
      registered(),
      AccountUpdated.create({ contact: [] }),
      AccountKeyChanged.create({ oldThumbprint: key.thumbprint, jwk: newKey.jwk, thumbprint: newKey.thumbprint }),
      AccountDeactivated.create({}),
    ]));
    expect(state).toEqual({
      accountId, status: "deactivated", jwk: newKey.jwk, thumbprint: newKey.thumbprint, contact: [],
      termsOfServiceAgreed: true, externalAccountBinding: null,
    });
  });

  it("refuses a stream that does not start with the registration", () => {
    expect(() => foldAccount(given([AccountDeactivated.create({})]))).toThrow(AccountStreamError);
    expect(() => foldAccount(given([registered(), registered()]))).toThrow(AccountStreamError);
  });
});

describe("account events", () => {
  it("refuse private key material and non-mailto contacts before they reach the log", () => {
    expect(() => AccountKeyChanged.create({ oldThumbprint: key.thumbprint, jwk: { ...newKey.jwk, d: "secret" } as never, thumbprint: newKey.thumbprint })).toThrow();
    expect(() => AccountUpdated.create({ contact: ["tel:+331"] })).toThrow();
  });

  it("refusals use RFC 8555 error names the HTTP layer knows (checked by tsc)", () => {
    expectTypeOf<DomainErrorType>().toExtend<AcmeErrorType>();
  });
});
