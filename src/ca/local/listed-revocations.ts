/**
 * The revocations the current CRL lists, in memory, each kept with its encoded CRL entry: a
 * revocation is encoded once, and every later CRL copies the bytes (the duplicate check is a
 * map lookup, not a scan).
 *
 * Pruning (RFC 5280 §3.3: "an entry may be removed from the CRL after appearing on one regularly
 * scheduled CRL issued beyond the revoked certificate's validity period"): once a CRL whose
 * thisUpdate is past a certificate's notAfter has been published, its entry is dropped, so the
 * list is bounded by the certificates still valid. A revocation whose notAfter is unknown (files
 * from earlier versions, callers that did not say) is kept for good.
 */
import { crlEntryOf } from "./published-crl.js";
import type { Revocation } from "./revocation-file.js";

export interface ListedRevocation {
  readonly revocation: Revocation;
  readonly entry: Buffer;
}

export const listedRevocation = (revocation: Revocation): ListedRevocation => ({ revocation, entry: crlEntryOf(revocation) });

export class ListedRevocations {
  readonly #bySerial = new Map<string, ListedRevocation>();
  /** no listed notAfter is earlier: a CRL issued before it prunes nothing, without a scan */
  #earliestNotAfter = Number.POSITIVE_INFINITY;

  constructor(revocations: Iterable<Revocation> = []) {
    for (const revocation of revocations) this.add([listedRevocation(revocation)]);
  }

  get size(): number {
    return this.#bySerial.size;
  }

  has(serialHex: string): boolean {
    return this.#bySerial.has(serialHex);
  }

  /** The CRL entries, in revocation order, followed by those of `more` (not yet listed). */
  entriesWith(more: readonly ListedRevocation[]): Uint8Array[] {
    const entries: Uint8Array[] = [];
    for (const listed of this.#bySerial.values()) entries.push(listed.entry);
    for (const listed of more) entries.push(listed.entry);
    return entries;
  }

  /** A serial already listed keeps its first revocation. */
  add(revocations: readonly ListedRevocation[]): void {
    for (const listed of revocations) {
      if (this.#bySerial.has(listed.revocation.serialHex)) continue;
      this.#bySerial.set(listed.revocation.serialHex, listed);
      const notAfter = listed.revocation.notAfter?.getTime();
      if (notAfter !== undefined && notAfter < this.#earliestNotAfter) this.#earliestNotAfter = notAfter;
    }
  }

  /** After publishing a CRL issued at `thisUpdate`: drops the entries it was the first to list past their notAfter. */
  prune(thisUpdate: Date): number {
    const issuedAt = thisUpdate.getTime();
    if (issuedAt <= this.#earliestNotAfter) return 0;
    let pruned = 0;
    this.#earliestNotAfter = Number.POSITIVE_INFINITY;
    for (const [serial, listed] of this.#bySerial) {
      const notAfter = listed.revocation.notAfter?.getTime();
      if (notAfter === undefined) continue;
      if (notAfter < issuedAt) {
        this.#bySerial.delete(serial);
        pruned++;
      } else if (notAfter < this.#earliestNotAfter) {
        this.#earliestNotAfter = notAfter;
      }
    }
    return pruned;
  }

  revocations(): Revocation[] {
    return [...this.#bySerial.values()].map((listed) => listed.revocation);
  }
}
