/**
 * EAB command handling (RFC 8555 §7.3.4): the operator's create / list / revoke, and the two
 * halves of a newAccount with a binding — verify the binding JWS, then claim and bind the key.
 * Load the key's stream, decide, append at the version decided on; the admin channel, the
 * offline CLI and the account service all go through this one class.
 */
import { randomBytes } from "node:crypto";
import { accountStreamId, decodeEvent, eabStreamId, type EventMeta, type PendingEvent } from "../../../events/index.js";
import type { EabKeyRow } from "../../../projections/index.js";
import type { DomainError } from "../../domain/domain-error.js";
import type { EventStoreDialect } from "../../store/dialect.js";
import { toStoredEvent } from "../../store/rows.js";
import type { EventWriter } from "../../store/writer.js";
import { withOptimisticRetry } from "../optimistic-retry.js";
import { parseEabBinding, verifyEabBinding } from "./binding-jws.js";
import { decideEab } from "./decide.js";
import { foldEabKey, isEabEvent, type EabKeyState } from "./eab-key-state.js";
import { EabKeyNotFoundError, EabRequestError } from "./errors.js";
import { decryptEabKey, encryptEabKey, type KeyEncryptionKeyFile } from "./key-encryption-key.js";
import type { EabScope } from "./scope.js";

/** Who asked, recorded in the events' meta (the node fills in `node`). */
export type EabRequestMeta = Omit<EventMeta, "node">;

/** 256 random bits: the HMAC key RFC 8555 §7.3.4 has the CA hand to the client. */
const HMAC_KEY_BYTES = 32;
/** 96 random bits in hex: unique, not secret, and safe to paste on any command line. */
const KEY_ID_BYTES = 12;

export interface CreateEabKeyRequest {
  readonly allowedNames: readonly string[];
  readonly allowedProfiles: readonly string[];
  readonly note: string | null;
}

export interface EabKeySummary {
  readonly keyId: string;
  /** `bound` once an account used it; `revoked` wins over `bound` */
  readonly status: "active" | "bound" | "revoked";
  readonly boundAccountId: string | null;
  readonly allowedNames: readonly string[];
  readonly allowedProfiles: readonly string[];
  readonly note: string | null;
  /** epoch ms */
  readonly createdAt: number;
}

export interface CreatedEabKey {
  readonly key: EabKeySummary;
  /** base64url (no padding) of the 256-bit HMAC key: shown once, never stored in clear */
  readonly hmacKey: string;
}

export interface RevokedEabKey {
  readonly key: EabKeySummary;
  readonly alreadyRevoked: boolean;
}

/** A key claimed for one newAccount: append `events` (none when completing an earlier binding) at `expectedVersion`. */
export interface EabClaim {
  readonly keyId: string;
  readonly accountId: string;
  readonly expectedVersion: number;
  readonly events: readonly PendingEvent[];
}

export type EabOutcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: DomainError };

export interface EabServiceOptions {
  readonly dialect: EventStoreDialect;
  readonly writer: EventWriter;
  readonly kek: KeyEncryptionKeyFile;
}

export class EabService {
  readonly #dialect: EventStoreDialect;
  readonly #writer: EventWriter;
  readonly #kek: KeyEncryptionKeyFile;

  constructor(options: EabServiceOptions) {
    this.#dialect = options.dialect;
    this.#writer = options.writer;
    this.#kek = options.kek;
  }

  async createKey(request: CreateEabKeyRequest, meta: EabRequestMeta = {}): Promise<CreatedEabKey> {
    const kek = await this.#kek.load({ create: true });
    const keyId = randomBytes(KEY_ID_BYTES).toString("hex");
    const hmacKey = randomBytes(HMAC_KEY_BYTES);
    const decision = decideEab(null, { kind: "create", keyId, encryptedKey: encryptEabKey(kek, keyId, hmacKey), ...request });
    if (decision.kind === "rejected") throw new EabRequestError(decision.error.detail);
    await this.#writer.append({ streamId: eabStreamId(keyId), expectedVersion: 0, events: decision.events, meta });
    return { key: await this.#summary(keyId), hmacKey: hmacKey.toString("base64url") };
  }

  /** Every key, oldest first; never the key material. */
  async listKeys(): Promise<readonly EabKeySummary[]> {
    const rows = (await this.#dialect.readProjection("acme_eab_keys")) as unknown as readonly EabKeyRow[];
    return rows.map(summaryOf).sort((a, b) => a.createdAt - b.createdAt || (a.keyId < b.keyId ? -1 : 1));
  }

  /** The key binds no new account; an account it already bound stays valid. */
  async revokeKey(keyId: string, meta: EabRequestMeta = {}): Promise<RevokedEabKey> {
    return withOptimisticRetry(async () => {
      const { state, version } = await this.#load(keyId);
      if (!state) throw new EabKeyNotFoundError(keyId);
      const decision = decideEab(state, { kind: "revoke" });
      if (decision.kind === "rejected") throw new EabRequestError(decision.error.detail);
      if (decision.events.length > 0) {
        await this.#writer.append({ streamId: eabStreamId(keyId), expectedVersion: version, events: decision.events, meta });
      }
      return { key: await this.#summary(keyId), alreadyRevoked: decision.events.length === 0 };
    });
  }

  /**
   * RFC 8555 §7.3.4: check a newAccount's `externalAccountBinding` — its shape, its key id, its
   * MAC under the decrypted HMAC key, and that it vouches for the key that signed the request.
   */
  async verifyBinding(binding: unknown, request: { readonly url: string; readonly thumbprint: string }): Promise<EabOutcome<{ readonly keyId: string }>> {
    const parsed = parseEabBinding(binding, request.url);
    if (!parsed.ok) return parsed;
    const { keyId } = parsed.value;
    const { state } = await this.#load(keyId);
    if (!state) return { ok: false, error: { type: "unauthorized", detail: "The externalAccountBinding names an unknown key id." } };
    const hmacKey = decryptEabKey(await this.#kek.load({ create: false }), keyId, state.encryptedKey);
    const refused = await verifyEabBinding(parsed.value, hmacKey, request.thumbprint);
    return refused ? { ok: false, error: refused } : { ok: true, value: { keyId } };
  }

  /**
   * Decide whether the key may bind a new account, and under which id: `freshAccountId`, or
   * the id of an earlier binding whose account was never registered (see BindEabKey).
   */
  async claim(keyId: string, freshAccountId: string): Promise<EabOutcome<EabClaim>> {
    const { state, version } = await this.#load(keyId);
    const bound = state?.boundAccountId ?? null;
    const boundAccountRegistered = bound !== null && (await this.#dialect.readStream(accountStreamId(bound))).length > 0;
    const accountId = bound !== null && !boundAccountRegistered ? bound : freshAccountId;
    const decision = decideEab(state, { kind: "bind", accountId, boundAccountRegistered });
    if (decision.kind === "rejected") return { ok: false, error: decision.error };
    return { ok: true, value: { keyId, accountId, expectedVersion: version, events: decision.events } };
  }

  /**
   * Append the claim's `acme.eab.key-bound` at the version it was decided on: of two
   * newAccounts racing for one key, the second gets a StreamVersionConflictError, retries, and
   * finds the key bound.
   */
  async bind(claim: EabClaim, meta: EabRequestMeta = {}): Promise<void> {
    if (claim.events.length === 0) return;
    await this.#writer.append({ streamId: eabStreamId(claim.keyId), expectedVersion: claim.expectedVersion, events: claim.events, meta });
  }

  /** The scope of the key that bound this account, or null for an account registered without EAB. */
  async scopeOfAccount(accountId: string): Promise<EabScope | null> {
    const [row] = (await this.#dialect.readProjection("acme_eab_keys", { boundAccountId: accountId })) as unknown as readonly EabKeyRow[];
    return row ? { names: parseList(row.allowedNames), profiles: parseList(row.allowedProfiles) } : null;
  }

  async #load(keyId: string): Promise<{ state: EabKeyState | null; version: number }> {
    const rows = await this.#dialect.readStream(eabStreamId(keyId));
    return { state: foldEabKey(rows.map((row) => decodeEvent(toStoredEvent(row))).filter(isEabEvent)), version: rows.length };
  }

  async #summary(keyId: string): Promise<EabKeySummary> {
    const [row] = (await this.#dialect.readProjection("acme_eab_keys", { keyId })) as unknown as readonly EabKeyRow[];
    if (!row) throw new EabKeyNotFoundError(keyId);
    return summaryOf(row);
  }
}

function summaryOf(row: EabKeyRow): EabKeySummary {
  return {
    keyId: row.keyId,
    status: row.status === "revoked" ? "revoked" : row.boundAccountId !== null ? "bound" : "active",
    boundAccountId: row.boundAccountId,
    allowedNames: parseList(row.allowedNames),
    allowedProfiles: parseList(row.allowedProfiles),
    note: row.note,
    createdAt: Number(row.createdAt),
  };
}

/** The projection wrote these columns as canonical JSON arrays of strings. */
function parseList(json: string): string[] {
  const value: unknown = JSON.parse(json);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : [];
}
