/**
 * The account decider: (state, command, policy) → events, the existing account, or a refusal.
 * Pure: every lookup it needs arrives in the command, so it is table-tested without a database.
 */
import {
  AccountDeactivated,
  AccountKeyChanged,
  AccountRegistered,
  AccountUpdated,
  type PendingEvent,
} from "../../../events/index.js";
import { domainError, type DomainError } from "../domain-error.js";
import type { AccountCommand, AccountPolicy, ChangeAccountKey, RegisterAccount } from "./commands.js";
import { validateContacts } from "./contact.js";
import { AccountStreamError, type AccountState } from "./state.js";

export type AccountDecision =
  /** append these to `account:<accountId>` (none: nothing changed, answer with the current account) */
  | { readonly kind: "accepted"; readonly events: readonly PendingEvent[] }
  /** newAccount with a key that already has an account: answer 200 with its URL (RFC 8555 §7.3.1) */
  | { readonly kind: "existing"; readonly accountId: string }
  | { readonly kind: "rejected"; readonly error: DomainError };

const accepted = (...events: PendingEvent[]): AccountDecision => ({ kind: "accepted", events });
const rejected = (error: DomainError): AccountDecision => ({ kind: "rejected", error });

/** RFC 8555 §7.3.6: a deactivated account's key authorises nothing more. */
const deactivatedError = (): DomainError => domainError("unauthorized", "The account is deactivated.");

export function decideAccount(state: AccountState | null, command: AccountCommand, policy: AccountPolicy): AccountDecision {
  if (command.kind === "register") return register(state, command, policy);
  if (!state) return rejected(domainError("accountDoesNotExist", "The account does not exist."));
  if (state.status === "deactivated") return rejected(deactivatedError());
  switch (command.kind) {
    case "update-contact": {
      const checked = validateContacts(command.contact);
      if ("error" in checked) return rejected(checked.error);
      if (sameList(checked.contact, state.contact)) return accepted();
      return accepted(AccountUpdated.create({ contact: [...checked.contact] }));
    }
    case "change-key":
      return changeKey(state, command);
    case "deactivate":
      return accepted(AccountDeactivated.create({}));
  }
}

function register(state: AccountState | null, command: RegisterAccount, policy: AccountPolicy): AccountDecision {
  // RFC 8555 §7.3.1: a known key returns its account whatever the payload says (no update).
  if (command.keyOwner) {
    if (command.keyOwner.status !== "valid") return rejected(deactivatedError());
    return { kind: "existing", accountId: command.keyOwner.accountId };
  }
  if (command.onlyReturnExisting) {
    return rejected(domainError("accountDoesNotExist", "No account exists for this key."));
  }
  // A fresh UUIDv7 names an empty stream; anything else is a bug in the command handler.
  if (state) throw new AccountStreamError(`account ${state.accountId} already exists`);
  if (policy.termsOfServiceRequired && !command.termsOfServiceAgreed) {
    return rejected(
      domainError("userActionRequired", "The terms of service must be agreed to: set termsOfServiceAgreed to true."),
    );
  }
  if (policy.externalAccountRequired && !command.externalAccountBinding) {
    return rejected(domainError("externalAccountRequired", "This server requires an external account binding."));
  }
  const checked = validateContacts(command.contact);
  if ("error" in checked) return rejected(checked.error);
  return accepted(
    AccountRegistered.create({
      accountId: command.accountId,
      jwk: command.jwk,
      thumbprint: command.thumbprint,
      contact: [...checked.contact],
      termsOfServiceAgreed: command.termsOfServiceAgreed,
      externalAccountBinding: command.externalAccountBinding ? { keyId: command.externalAccountBinding.keyId } : null,
    }),
  );
}

/** RFC 8555 §7.3.5: the checks on the keyChange object that need the account's state. */
function changeKey(state: AccountState, command: ChangeAccountKey): AccountDecision {
  if (command.oldThumbprint !== state.thumbprint) {
    return rejected(domainError("malformed", "The keyChange oldKey is not the account's current key."));
  }
  if (command.thumbprint === state.thumbprint) {
    return rejected(domainError("malformed", "The new key is the account's current key."));
  }
  if (command.keyOwner) {
    return rejected({
      type: "malformed",
      detail: "The new key is already in use by another account.",
      conflictingAccountId: command.keyOwner.accountId,
    });
  }
  return accepted(AccountKeyChanged.create({ oldThumbprint: state.thumbprint, jwk: command.jwk, thumbprint: command.thumbprint }));
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((value, i) => value === b[i]);
