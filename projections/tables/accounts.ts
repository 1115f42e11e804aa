/**
 * `acme_accounts`: one row per account, what ACME requests read — by `thumbprint` for newAccount
 * ("same key → same account", RFC 8555 §7.3.1) and keyChange's "key already in use" check
 * (§7.3.5), by `account_id` for requests signed with a `kid`. The unique thumbprint column also
 * makes the database refuse two accounts on one key when two requests race.
 */
import { canonicalJson, decodeEvent, type StoredEvent } from "../../events/index.js";
import { rowProjection, type TableProjection } from "../projection.js";
import type { RowChange } from "../row-change.js";

export interface AccountRow {
  readonly accountId: string;
  readonly thumbprint: string;
  /** canonical JSON of the public JWK */
  readonly jwk: string;
  /** JSON array of `mailto:` URIs */
  readonly contact: string;
  readonly status: "valid" | "deactivated";
  readonly tosAgreed: boolean;
  readonly eabKeyId: string | null;
  /** epoch ms */
  readonly createdAt: number;
  /** epoch ms of the last event that changed the row */
  readonly updatedAt: number;
}

/** An account event outside an `account:<accountId>` stream: the log was written by a bug. */
export class AccountStreamIdError extends Error {
  override readonly name = "AccountStreamIdError";
}

const STREAM_PREFIX = "account:";

/** `account:<accountId>` names the row every event after registration touches. */
function accountKey(event: StoredEvent): { accountId: string } {
  if (!event.sid.startsWith(STREAM_PREFIX)) throw new AccountStreamIdError(`${event.type} in stream ${event.sid}`);
  return { accountId: event.sid.slice(STREAM_PREFIX.length) };
}

export function accountChanges(event: StoredEvent): RowChange[] {
  const decoded = decodeEvent(event);
  const at = Date.parse(event.at);
  switch (decoded.type) {
    case "acme.account.registered": {
      const { data } = decoded;
      const row: AccountRow = {
        accountId: data.accountId,
        thumbprint: data.thumbprint,
        jwk: canonicalJson(data.jwk),
        contact: canonicalJson(data.contact),
        status: "valid",
        tosAgreed: data.termsOfServiceAgreed,
        eabKeyId: data.externalAccountBinding?.keyId ?? null,
        createdAt: at,
        updatedAt: at,
      };
      return [{ kind: "insert", table: "acme_accounts", row: { ...row } }];
    }
    case "acme.account.updated":
      return [
        { kind: "update", table: "acme_accounts", key: accountKey(event), set: { contact: canonicalJson(decoded.data.contact), updatedAt: at } },
      ];
    case "acme.account.key-changed":
      return [
        {
          kind: "update",
          table: "acme_accounts",
          key: accountKey(event),
          set: { jwk: canonicalJson(decoded.data.jwk), thumbprint: decoded.data.thumbprint, updatedAt: at },
        },
      ];
    case "acme.account.deactivated":
      return [{ kind: "update", table: "acme_accounts", key: accountKey(event), set: { status: "deactivated", updatedAt: at } }];
    default:
      return [];
  }
}

export const accountsProjection: TableProjection = rowProjection("acme_accounts", ["acme_accounts"], accountChanges);
