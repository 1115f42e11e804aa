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
 *
 * Compact (docs/reliability.md, "Per-name memory of the windows"): an account keeps the notAfter
 * instants of its certificates as numbers, sorted, and certificate → (account, notAfter) — what
 * a revocation needs — lives in a UuidTable, swept in bulk of the certificates past notAfter,
 * instead of a Map keyed by the 36-character id per certificate and a Map per account.
 */
import { UuidTable } from "../uuid-table.js";

/** How many of the longest-idle accounts an issuance looks at for lapsed ones to forget. */
const FORGET_PER_ISSUANCE = 4;

/** The notAfter instants (ms) of an account's unrevoked certificates, ascending. */
class HeldCertificates {
  notAfters: number[] = [];
  constructor(readonly accountId: string) {}

  /** the latest notAfter, −∞ when none */
  get latest(): number {
    return this.notAfters.length === 0 ? Number.NEGATIVE_INFINITY : (this.notAfters[this.notAfters.length - 1] as number);
  }
}

export class ManagedServers {
  /** accountId → its certificates; an account moves to the end on each issuance, so the first are the longest idle */
  readonly #accounts = new Map<string, HeldCertificates>();
  /** certificateId → the account's entry (ref) and the certificate's notAfter (value) */
  readonly #certificates = new UuidTable<HeldCertificates>((notAfter, at) => notAfter <= at);

  issued(accountId: string, certificateId: string, notAfterMs: number, at: number): void {
    const held = this.#accounts.get(accountId) ?? new HeldCertificates(accountId);
    this.#accounts.delete(accountId);
    const { notAfters } = held;
    // Lapsed certificates of the account no longer count; their table entries go at the next sweep.
    let lapsed = 0;
    while (lapsed < notAfters.length && (notAfters[lapsed] as number) <= at) lapsed++;
    if (lapsed > 0) notAfters.splice(0, lapsed);
    let index = notAfters.length;
    while (index > 0 && (notAfters[index - 1] as number) > notAfterMs) index--;
    notAfters.splice(index, 0, notAfterMs);
    this.#accounts.set(accountId, held);
    this.#certificates.set(certificateId, notAfterMs, held, at);
    this.#forgetLapsedAccounts(at);
  }

  revoked(certificateId: string): void {
    const slot = this.#certificates.find(certificateId);
    if (slot === -1) return;
    const held = this.#certificates.ref(slot);
    const notAfter = this.#certificates.value(slot);
    this.#certificates.deleteSlot(slot);
    // Another certificate of the account with the same notAfter leaves the same instants behind.
    const index = held.notAfters.indexOf(notAfter);
    if (index === -1) return;
    held.notAfters.splice(index, 1);
    if (held.notAfters.length === 0 && this.#accounts.get(held.accountId) === held) this.#accounts.delete(held.accountId);
  }

  isManaged(accountId: string, now: number): boolean {
    const held = this.#accounts.get(accountId);
    return held !== undefined && held.latest > now;
  }

  /** The number of managed servers at `now`; stops counting at `upTo` when given (enough to compare with a limit). */
  count(now: number, upTo = Number.POSITIVE_INFINITY): number {
    let managed = 0;
    for (const held of this.#accounts.values()) {
      if (managed >= upTo) break;
      if (held.latest > now) managed++;
    }
    return managed;
  }

  /** Keeps memory bounded by the active accounts, not by every account that ever held a certificate. */
  #forgetLapsedAccounts(at: number): void {
    let checked = 0;
    for (const [accountId, held] of this.#accounts) {
      if (checked++ >= FORGET_PER_ISSUANCE) return;
      if (held.latest > at) return;
      // Its certificates' table entries are past notAfter: the next sweep drops them.
      this.#accounts.delete(accountId);
    }
  }
}
