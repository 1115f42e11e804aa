/** The account object of RFC 8555 §7.1.2, as the server returns it. */
import type { AccountState } from "../domain/account/index.js";
import { accountOrdersPath } from "./acme-paths.js";

export interface AccountObject {
  readonly status: "valid" | "deactivated";
  readonly contact: readonly string[];
  readonly termsOfServiceAgreed: boolean;
  readonly orders: string;
}

export function accountObject(account: AccountState, base: string): AccountObject {
  return {
    status: account.status,
    contact: account.contact,
    termsOfServiceAgreed: account.termsOfServiceAgreed,
    orders: base + accountOrdersPath(account.accountId),
  };
}
