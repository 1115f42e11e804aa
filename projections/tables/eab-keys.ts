/**
 * `acme_eab_keys`: one row per external account binding key (RFC 8555 §7.3.4), what
 * `certeasy eab list` shows and what newOrder reads to find the scope of a bound account (by
 * `bound_account_id`). The row never holds the HMAC key, not even encrypted: verification
 * decides on the key's stream, which carries the ciphertext.
 */
import { canonicalJson, decodeEvent, type StoredEvent } from "../../events/index.js";
import { rowProjection, type TableProjection } from "../projection.js";
import type { RowChange } from "../row-change.js";

export interface EabKeyRow {
  readonly keyId: string;
  /** a bound key stays bound after revocation: the status says whether it can bind */
  readonly status: "active" | "revoked";
  readonly boundAccountId: string | null;
  /** canonical JSON array of name rules */
  readonly allowedNames: string;
  /** canonical JSON array of profile names */
  readonly allowedProfiles: string;
  readonly note: string | null;
  /** epoch ms */
  readonly createdAt: number;
  /** epoch ms of the last event that changed the row */
  readonly updatedAt: number;
}

/** An EAB event outside an `eab:<keyId>` stream: the log was written by a bug. */
export class EabStreamIdError extends Error {
  override readonly name = "EabStreamIdError";
}

const STREAM_PREFIX = "eab:";

function eabKey(event: StoredEvent): { keyId: string } {
  if (!event.sid.startsWith(STREAM_PREFIX)) throw new EabStreamIdError(`${event.type} in stream ${event.sid}`);
  return { keyId: event.sid.slice(STREAM_PREFIX.length) };
}

export function eabKeyChanges(event: StoredEvent): RowChange[] {
  const decoded = decodeEvent(event);
  const at = Date.parse(event.at);
  switch (decoded.type) {
    case "acme.eab.key-created": {
      const { data } = decoded;
      const row: EabKeyRow = {
        keyId: eabKey(event).keyId,
        status: "active",
        boundAccountId: null,
        allowedNames: canonicalJson(data.allowedNames),
        allowedProfiles: canonicalJson(data.allowedProfiles),
        note: data.note,
        createdAt: at,
        updatedAt: at,
      };
      return [{ kind: "insert", table: "acme_eab_keys", row: { ...row } }];
    }
    case "acme.eab.key-revoked":
      return [{ kind: "update", table: "acme_eab_keys", key: eabKey(event), set: { status: "revoked", updatedAt: at } }];
    case "acme.eab.key-bound":
      return [{ kind: "update", table: "acme_eab_keys", key: eabKey(event), set: { boundAccountId: decoded.data.accountId, updatedAt: at } }];
    default:
      return [];
  }
}

export const eabKeysProjection: TableProjection = rowProjection("acme_eab_keys", ["acme_eab_keys"], eabKeyChanges);
