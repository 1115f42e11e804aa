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
import { lowercaseHexByte } from "../../projections/memory/hex-digits.js";
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

/** Where each byte's two hex digits start in a UUID's text (8-4-4-4-12). */
const UUID_BYTES = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
const keyBytes = new Array<number>(48).fill(0);

/**
 * The account id's 16 bytes and the hash's 32, one character per byte. Any other text (not a
 * lowercase UUID and 64 lowercase hex digits, as the log writes them; never otherwise in events,
 * which are schema-checked) is kept whole behind a marker no compact key starts with, so every
 * pair keeps a key of its own, as with the plain `account:hash` text.
 */
export function compactKey(accountId: string, identifiersHash: string): string {
  const whole = (): string => `\u0100${accountId}:${identifiersHash}`;
  if (accountId.length !== 36 || identifiersHash.length !== 64) return whole();
  if (accountId[8] !== "-" || accountId[13] !== "-" || accountId[18] !== "-" || accountId[23] !== "-") return whole();
  for (let k = 0; k < 16; k++) {
    const byte = lowercaseHexByte(accountId, UUID_BYTES[k] as number);
    if (byte === -1) return whole();
    keyBytes[k] = byte;
  }
  for (let k = 0; k < 32; k++) {
    const byte = lowercaseHexByte(identifiersHash, 2 * k);
    if (byte === -1) return whole();
    keyBytes[16 + k] = byte;
  }
  return String.fromCharCode(...keyBytes);
}
