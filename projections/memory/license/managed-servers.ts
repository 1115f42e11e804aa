/**
 * Managed servers (behaviour reference §8.3): the distinct ACME accounts holding at least one
 * active certificate — issued, not revoked, not past its notAfter. Renewals and re-issues by the
 * same account do not count extra; an account whose certificates all lapsed or were revoked
 * frees its slot.
 *
 * Updated in place by the license projection (copying maps of many thousand accounts on every
 * event would make hydration quadratic). Whether a certificate is still active depends on the
 * time asked about, so the queries take `now`; the updates only use the event's own time, which
 * keeps a rebuild deterministic.
 */

/** How many of the longest-idle accounts an issuance looks at for lapsed ones to forget. */
const FORGET_PER_ISSUANCE = 4;

export class ManagedServers {
  /**
   * accountId → certificateId → notAfter (ms). An account is moved to the end on each issuance,
   * so the first entries are the accounts whose last certificate is the oldest.
   */
  readonly #certificates = new Map<string, Map<string, number>>();
  readonly #accountOf = new Map<string, string>();

  issued(accountId: string, certificateId: string, notAfterMs: number, at: number): void {
    const held = this.#certificates.get(accountId) ?? new Map<string, number>();
    this.#certificates.delete(accountId);
    for (const [id, notAfter] of held) if (notAfter <= at) this.#forgetCertificate(held, id);
    held.set(certificateId, notAfterMs);
    this.#certificates.set(accountId, held);
    this.#accountOf.set(certificateId, accountId);
    this.#forgetLapsedAccounts(at);
  }

  revoked(certificateId: string): void {
    const accountId = this.#accountOf.get(certificateId);
    if (accountId === undefined) return;
    const held = this.#certificates.get(accountId);
    if (held) this.#forgetCertificate(held, certificateId);
    if (held?.size === 0) this.#certificates.delete(accountId);
  }

  isManaged(accountId: string, now: number): boolean {
    const held = this.#certificates.get(accountId);
    if (!held) return false;
    for (const notAfter of held.values()) if (notAfter > now) return true;
    return false;
  }

  /** The number of managed servers at `now`; stops counting at `upTo` when given (enough to compare with a limit). */
  count(now: number, upTo = Number.POSITIVE_INFINITY): number {
    let managed = 0;
    for (const accountId of this.#certificates.keys()) {
      if (managed >= upTo) break;
      if (this.isManaged(accountId, now)) managed++;
    }
    return managed;
  }

  #forgetCertificate(held: Map<string, number>, certificateId: string): void {
    held.delete(certificateId);
    this.#accountOf.delete(certificateId);
  }

  /** Keeps memory bounded by the active accounts, not by every account that ever held a certificate. */
  #forgetLapsedAccounts(at: number): void {
    let checked = 0;
    for (const [accountId, held] of this.#certificates) {
      if (checked++ >= FORGET_PER_ISSUANCE) return;
      if (this.isManaged(accountId, at)) return;
      for (const id of [...held.keys()]) this.#forgetCertificate(held, id);
      this.#certificates.delete(accountId);
    }
  }
}
