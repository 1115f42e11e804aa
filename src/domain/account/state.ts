/**
 * An account as its stream tells it: `evolveAccount` folds one event into the state, so the
 * command handler rebuilds an account from `account:<accountId>` before deciding on it.
 */
import type { AccountJwk, CerteasyEvent } from "../../../events/index.js";

export type AccountStatus = "valid" | "deactivated";

export interface AccountState {
  readonly accountId: string;
  readonly status: AccountStatus;
  readonly jwk: AccountJwk;
  /** RFC 7638 thumbprint of `jwk`: the key index newAccount and keyChange look accounts up by */
  readonly thumbprint: string;
  readonly contact: readonly string[];
  readonly termsOfServiceAgreed: boolean;
  readonly externalAccountBinding: { readonly keyId: string } | null;
}

export type AccountEvent = Extract<CerteasyEvent, { readonly type: `acme.account.${string}` }>;

export const isAccountEvent = (event: CerteasyEvent): event is AccountEvent => event.type.startsWith("acme.account.");

/** The stream contradicts itself (an event before registration, a second registration): a bug or tampering. */
export class AccountStreamError extends Error {
  override readonly name = "AccountStreamError";
}

export function evolveAccount(state: AccountState | null, event: AccountEvent): AccountState {
  if (event.type === "acme.account.registered") {
    if (state) throw new AccountStreamError(`account ${state.accountId} is registered twice`);
    const { accountId, jwk, thumbprint, contact, termsOfServiceAgreed, externalAccountBinding } = event.data;
    return { accountId, status: "valid", jwk, thumbprint, contact, termsOfServiceAgreed, externalAccountBinding };
  }
  if (!state) throw new AccountStreamError(`${event.type} before acme.account.registered`);
  switch (event.type) {
    case "acme.account.updated":
      return { ...state, contact: event.data.contact };
    case "acme.account.key-changed":
      return { ...state, jwk: event.data.jwk, thumbprint: event.data.thumbprint };
    case "acme.account.deactivated":
      return { ...state, status: "deactivated" };
  }
}

/** The state after a whole stream; null for a stream with no events. */
export const foldAccount = (events: readonly AccountEvent[]): AccountState | null =>
  events.reduce<AccountState | null>(evolveAccount, null);
