/**
 * The authorizations that are still pending, per account (reference §7: `status='pending' AND
 * expires > now`), and what each is for — the failed-validation limiter needs the account and
 * the name behind an `acme.challenge.invalid`, which carries only the authorization id. An
 * authorization leaves on valid, invalid or deactivated, and stops counting at `expires` (RFC
 * 8555 §7.1.4); it is forgotten a grace period later, because a validation started just before
 * expiry may still fail just after it.
 */
const FORGET_AFTER_EXPIRY_MS = 10 * 60_000;

export interface PendingAuthorization {
  readonly accountId: string;
  /** `dns:*.example.com`, `dns:example.com`, `ip:192.0.2.1`: wildcard and base apart */
  readonly name: string;
  /** ms since the epoch */
  readonly expires: number;
}

export interface PendingCount {
  readonly count: number;
  /** the soonest `expires` among them; undefined when none is pending */
  readonly soonestExpiry: number | undefined;
}

export class PendingAuthorizations {
  readonly #byId = new Map<string, PendingAuthorization>();
  readonly #byAccount = new Map<string, Set<string>>();

  get size(): number {
    return this.#byId.size;
  }

  add(authzId: string, authorization: PendingAuthorization, at: number): void {
    this.#byId.set(authzId, authorization);
    let ids = this.#byAccount.get(authorization.accountId);
    if (ids === undefined) this.#byAccount.set(authorization.accountId, (ids = new Set()));
    ids.add(authzId);
    this.#prune(at);
  }

  find(authzId: string): PendingAuthorization | undefined {
    return this.#byId.get(authzId);
  }

  /** The authorization left `pending`. */
  remove(authzId: string): void {
    const authorization = this.#byId.get(authzId);
    if (authorization === undefined) return;
    this.#byId.delete(authzId);
    const ids = this.#byAccount.get(authorization.accountId);
    ids?.delete(authzId);
    if (ids?.size === 0) this.#byAccount.delete(authorization.accountId);
  }

  pendingFor(accountId: string, now: number): PendingCount {
    let count = 0;
    let soonestExpiry: number | undefined;
    for (const id of this.#byAccount.get(accountId) ?? []) {
      const expires = this.#byId.get(id)?.expires;
      if (expires === undefined || expires <= now) continue;
      count++;
      if (soonestExpiry === undefined || expires < soonestExpiry) soonestExpiry = expires;
    }
    return { count, soonestExpiry };
  }

  /**
   * Authorizations are added in creation order and share one lifetime setting, so the oldest
   * expire first: forgetting from the front is enough. A changed lifetime only delays forgetting.
   */
  #prune(at: number): void {
    for (const [id, authorization] of this.#byId) {
      if (authorization.expires + FORGET_AFTER_EXPIRY_MS > at) return;
      this.remove(id);
    }
  }
}
