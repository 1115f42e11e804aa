/**
 * The duplicate-certificate window (reference §7): per (account, exact set of identifiers), the
 * notBefore instants of the certificates issued and not revoked, of which those younger than the
 * window count. A revocation names only the certificate, so each certificate also remembers
 * which key and instant it added, for as long as that instant can count.
 *
 * Compact, because every certificate for a new set of names adds an entry that lives for the
 * whole window (168 h by default): the key is the account id's and the identifiers hash's bytes
 * as a 48-character one-byte string (not their 101-character text), a key's instants are plain
 * numbers (time-windows.ts), and certificate → (key, instant) lives in a UuidTable instead of a
 * Map keyed by the 36-character id. The key stays exact — no digest — so no two keys can meet.
 */
import { UuidTable } from "../../projections/memory/uuid-table.js";
import { TimeWindows } from "./time-windows.js";

export class DuplicateCertificates {
  readonly #window: TimeWindows;
  /** certificateId → its key (ref) and notBefore (value), swept once the instant left the window */
  readonly #issued: UuidTable<string>;

  constructor(readonly windowMs: number) {
    this.#window = new TimeWindows(windowMs);
    this.#issued = new UuidTable<string>((notBefore, at) => notBefore <= at - windowMs);
  }

  /** keys held (pruned as they leave the window) */
  get keys(): number {
    return this.#window.keys;
  }

  /** certificates remembered for a revocation (swept in bulk as the table grows) */
  get certificates(): number {
    return this.#issued.size;
  }

  issued(accountId: string, identifiersHash: string, certificateId: string, notBefore: number, at: number): void {
    const key = compactKey(accountId, identifiersHash);
    this.#window.add(key, notBefore, at);
    this.#issued.set(certificateId, notBefore, key, at);
  }

  revoked(certificateId: string): void {
    const slot = this.#issued.find(certificateId);
    if (slot === -1) return;
    const key = this.#issued.ref(slot);
    const notBefore = this.#issued.value(slot);
    this.#issued.deleteSlot(slot);
    // Another certificate of the key with the same notBefore leaves the same instants behind.
    this.#window.removeOne(key, notBefore);
  }

  /** 0 when one more certificate for this key fits at `now`, otherwise how long until one does. */
  waitForRoom(accountId: string, identifiersHash: string, max: number, now: number): number {
    return this.#window.waitForRoom(compactKey(accountId, identifiersHash), max, now);
  }

  /** The notBefore instants of the key that count at `now`, oldest first. */
  inWindow(accountId: string, identifiersHash: string, now: number): readonly number[] {
    return this.#window.inWindow(compactKey(accountId, identifiersHash), now);
  }
}

/**
 * The account id's 16 bytes and the hash's 32, one character per byte. Any other text (not a
 * UUID, not 64 hex digits: never so in the log, whose events are schema-checked) is kept whole
 * behind a marker that no compact key starts with, so it still has a key of its own.
 */
export function compactKey(accountId: string, identifiersHash: string): string {
  const account = accountId.replaceAll("-", "");
  if (!/^[0-9a-f]{32}$/.test(account) || !/^[0-9a-f]{64}$/.test(identifiersHash) || accountId.length !== 36) return `\u0100${accountId}:${identifiersHash}`;
  return Buffer.from(account + identifiersHash, "hex").toString("latin1");
}
