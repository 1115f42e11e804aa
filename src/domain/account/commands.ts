/**
 * What the HTTP layer asks of an account, after it has verified the JWS (and the EAB JWS, and
 * the inner keyChange JWS) and looked up what the pure decider cannot: which account, if any,
 * already holds a key.
 */
import type { AccountJwk } from "../../../events/index.js";
import type { AccountStatus } from "./state.js";

/** The account found under a key thumbprint (the `acme_accounts.thumbprint` unique index). */
export interface KeyOwner {
  readonly accountId: string;
  readonly status: AccountStatus;
}

/** RFC 8555 §7.3 newAccount, signed with `jwk`. */
export interface RegisterAccount {
  readonly kind: "register";
  /** a fresh UUIDv7, used only when the account is created */
  readonly accountId: string;
  readonly jwk: AccountJwk;
  readonly thumbprint: string;
  /** the request's `contact` (absent in the request = empty) */
  readonly contact: readonly string[];
  readonly termsOfServiceAgreed: boolean;
  readonly onlyReturnExisting: boolean;
  /** the verified EAB binding (RFC 8555 §7.3.4), or null when the request had none */
  readonly externalAccountBinding: { readonly keyId: string } | null;
  /** lookup of `thumbprint`: same key → same account */
  readonly keyOwner: KeyOwner | null;
}

/** RFC 8555 §7.3.2: the request carried `contact`. */
export interface UpdateAccountContact {
  readonly kind: "update-contact";
  readonly contact: readonly string[];
}

/** RFC 8555 §7.3.5, after the inner JWS verified with `jwk`. */
export interface ChangeAccountKey {
  readonly kind: "change-key";
  /** thumbprint of the inner payload's `oldKey` */
  readonly oldThumbprint: string;
  readonly jwk: AccountJwk;
  readonly thumbprint: string;
  /** lookup of the new `thumbprint` */
  readonly keyOwner: KeyOwner | null;
}

/** RFC 8555 §7.3.6: the request carried `"status": "deactivated"`. */
export interface DeactivateAccount {
  readonly kind: "deactivate";
}

export type AccountCommand = RegisterAccount | UpdateAccountContact | ChangeAccountKey | DeactivateAccount;

/** Server policy the decider applies, from the configuration. */
export interface AccountPolicy {
  /** the directory advertises `meta.termsOfService` and agreement is required (RFC 8555 §7.3) */
  readonly termsOfServiceRequired: boolean;
  /** `meta.externalAccountRequired` (RFC 8555 §7.3.4) */
  readonly externalAccountRequired: boolean;
}
