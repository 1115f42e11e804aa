/**
 * Account command handling (RFC 8555 §7.3): load what the pure decider needs — the account's
 * stream, the owner of a key thumbprint — call it, append its events through the writer, and
 * answer with the resulting account. Refusals come back as DomainErrors; the HTTP layer picks
 * their status codes. A stream that moved on between load and append is retried.
 */
import { accountStreamId, decodeEvent, upcast, type AccountJwk, type EventMeta, type PendingEvent } from "../../../events/index.js";
import type { AccountRow } from "../../../projections/index.js";
import {
  decideAccount,
  evolveAccount,
  foldAccount,
  isAccountEvent,
  type AccountCommand,
  type AccountPolicy,
  type AccountState,
  type KeyOwner,
} from "../../domain/account/index.js";
import type { DomainError } from "../../domain/domain-error.js";
import type { EventStoreDialect } from "../../store/dialect.js";
import { toStoredEvent } from "../../store/rows.js";
import { uuidv7 } from "../../store/uuid.js";
import type { EventWriter } from "../../store/writer.js";
import type { EabClaim, EabOutcome, EabService } from "../eab/eab-service.js";
import { withOptimisticRetry } from "../optimistic-retry.js";

export type AccountOutcome =
  | { readonly kind: "created" | "existing" | "changed"; readonly account: AccountState }
  | { readonly kind: "rejected"; readonly error: DomainError };

/** Who asked, recorded in the events' meta for auditors (the node fills in `node`). */
export type RequestMeta = Omit<EventMeta, "node">;

export interface RegisterRequest {
  readonly jwk: AccountJwk;
  readonly thumbprint: string;
  readonly contact: readonly string[];
  readonly termsOfServiceAgreed: boolean;
  readonly onlyReturnExisting: boolean;
  /** RFC 8555 §7.3.4: the payload's `externalAccountBinding` as sent, and the outer JWS's `url` */
  readonly externalAccountBinding?: { readonly jws: unknown; readonly url: string };
}

/** What newAccount needs of the EAB keys (src/acme/eab/eab-service.ts). */
export type ExternalAccountBinder = Pick<EabService, "verifyBinding" | "claim" | "bind">;

const CACHED_ACCOUNTS = 10_000;

export class AccountService {
  constructor(
    private readonly dialect: EventStoreDialect,
    private readonly writer: EventWriter,
    private readonly policy: AccountPolicy,
    /** absent: newAccount refuses any externalAccountBinding */
    private readonly eab?: ExternalAccountBinder,
    /** a last check before an account is created (per-address rate limits); null admits it */
    private readonly admitRegistration: (meta: RequestMeta) => DomainError | null = () => null,
  ) {}

  /**
   * Every authenticated request looks its account up by `kid`, so rows are kept in memory.
   * Every account event is appended here (single active node), and each append drops the
   * account's entry once it has committed; a read that overlapped an append is not cached.
   */
  readonly #byId = new Map<string, AccountRow>();
  #generation = 0;

  async findById(accountId: string): Promise<AccountRow | null> {
    const cached = this.#byId.get(accountId);
    if (cached) return cached;
    const generation = this.#generation;
    const row = (await this.#rows({ accountId }))[0] ?? null;
    if (row && generation === this.#generation) {
      this.#byId.set(accountId, row);
      if (this.#byId.size > CACHED_ACCOUNTS) this.#byId.delete(this.#byId.keys().next().value ?? "");
    }
    return row;
  }

  async register(request: RegisterRequest, meta: RequestMeta = {}): Promise<AccountOutcome> {
    const { externalAccountBinding: binding, ...fields } = request;
    // RFC 8555 §7.3.4: the binding's MAC is checked once; what the key may still bind is decided in the loop.
    const verified = binding === undefined ? null : await this.#verifyBinding(binding, fields.thumbprint);
    if (verified && !verified.ok) return { kind: "rejected", error: verified.error };
    const keyId = verified?.value.keyId ?? null;
    return withOptimisticRetry(async () => {
      let accountId = uuidv7();
      const keyOwner = await this.keyOwner(fields.thumbprint);
      let claim: EabClaim | null = null;
      // A key that already has an account gets it back (§7.3.1) without using up the EAB key.
      if (keyId !== null && this.eab && keyOwner === null && !fields.onlyReturnExisting) {
        const claimed = await this.eab.claim(keyId, accountId);
        if (!claimed.ok) return { kind: "rejected", error: claimed.error };
        claim = claimed.value;
        accountId = claim.accountId;
      }
      const externalAccountBinding = keyId === null ? null : { keyId };
      const decision = decideAccount(null, { kind: "register", accountId, keyOwner, ...fields, externalAccountBinding }, this.policy);
      if (decision.kind === "rejected") return decision;
      if (decision.kind === "existing") return this.#answer("existing", decision.accountId);
      // Key first, account second: of two requests racing for one key only the one whose
      // key-bound committed registers; a stop in between is completed by the next newAccount
      // with that key, under the same account id (src/acme/eab/decide.ts).
      const refusal = this.admitRegistration(meta);
      if (refusal) return { kind: "rejected", error: refusal };
      if (claim) await this.eab?.bind(claim, meta);
      await this.#append(accountId, 0, decision.events, meta);
      return { kind: "created", account: evolve(null, decision.events) };
    });
  }

  async #verifyBinding(binding: { readonly jws: unknown; readonly url: string }, thumbprint: string): Promise<EabOutcome<{ readonly keyId: string }>> {
    if (!this.eab) {
      return {
        ok: false,
        error: { type: "malformed", detail: "This server has no external account binding keys; send newAccount without externalAccountBinding." },
      };
    }
    return this.eab.verifyBinding(binding.jws, { url: binding.url, thumbprint });
  }

  /** The account as it stands (POST-as-GET). */
  async read(accountId: string): Promise<AccountOutcome> {
    const { state } = await this.#load(accountId);
    return state
      ? { kind: "existing", account: state }
      : { kind: "rejected", error: { type: "accountDoesNotExist", detail: "The account does not exist." } };
  }

  /** Any command on an existing account: contact update, deactivation, key change. */
  async change(
    accountId: string,
    command: (state: AccountState) => Promise<AccountCommand>,
    meta: RequestMeta = {},
  ): Promise<AccountOutcome> {
    return withOptimisticRetry(async () => {
      const { state, version } = await this.#load(accountId);
      if (!state) return { kind: "rejected", error: { type: "accountDoesNotExist", detail: "The account does not exist." } };
      const decision = decideAccount(state, await command(state), this.policy);
      if (decision.kind === "rejected") return decision;
      if (decision.kind === "existing") return this.#answer("existing", decision.accountId);
      if (decision.events.length > 0) await this.#append(accountId, version, decision.events, meta);
      return { kind: "changed", account: evolve(state, decision.events) };
    });
  }

  /** The account that holds a key, for the decider's "same key → same account" rules. */
  async keyOwner(thumbprint: string): Promise<KeyOwner | null> {
    const [row] = await this.#rows({ thumbprint });
    return row ? { accountId: row.accountId, status: row.status } : null;
  }

  /** The accounts projection's rows; its columns are AccountRow's by construction (projections/tables/accounts.ts). */
  async #rows(where: Partial<Pick<AccountRow, "accountId" | "thumbprint">>): Promise<readonly AccountRow[]> {
    return (await this.dialect.readProjection("acme_accounts", where)) as unknown as readonly AccountRow[];
  }

  async #load(accountId: string): Promise<{ state: AccountState | null; version: number }> {
    const rows = await this.dialect.readStream(accountStreamId(accountId));
    const events = rows.map((row) => decodeEvent(toStoredEvent(row))).filter(isAccountEvent);
    return { state: foldAccount(events), version: rows.length };
  }

  async #answer(kind: "existing", accountId: string): Promise<AccountOutcome> {
    const { state } = await this.#load(accountId);
    if (!state) throw new Error(`account ${accountId} has no events after it was decided on`);
    return { kind, account: state };
  }

  async #append(accountId: string, expectedVersion: number, events: readonly PendingEvent[], meta: RequestMeta): Promise<void> {
    try {
      await this.writer.append({ streamId: accountStreamId(accountId), expectedVersion, events, meta });
    } finally {
      this.#forget(accountId);
    }
  }

  #forget(accountId: string): void {
    this.#generation++;
    this.#byId.delete(accountId);
  }
}

/**
 * The account after the events just appended: the same fold the stream gets on the next load,
 * so the answer needs no second read.
 */
function evolve(state: AccountState | null, events: readonly PendingEvent[]): AccountState {
  const next = events.map((e) => upcast(e.type, e.v, e.data)).filter(isAccountEvent).reduce<AccountState | null>(evolveAccount, state);
  if (!next) throw new Error("an accepted account command produced no account");
  return next;
}
