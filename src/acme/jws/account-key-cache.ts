/**
 * Imported account keys, kept per `kid` in a bounded least-recently-used map. Importing a JWK on
 * every request costs more than the signature check itself (dependencies §5), while the account
 * store is still asked on every request, so a rolled-over key (RFC 8555 §7.3.5) or a
 * deactivated account is seen at once: an entry is only reused while the stored key is the same.
 */
import type { KeyObject } from "node:crypto";
import type { AcmeJwsAlgorithm } from "./algorithms.js";
import { importAccountPublicKey } from "./jws-signature.js";
import { algorithmForKey, thumbprintInput, type AcmePublicJwk } from "./public-jwk.js";

export interface ImportedAccountKey {
  readonly key: KeyObject;
  readonly algorithm: AcmeJwsAlgorithm;
}

interface Entry extends ImportedAccountKey {
  readonly identity: string;
}

export const DEFAULT_ACCOUNT_KEY_CACHE_SIZE = 10_000;

export class AccountKeyCache {
  readonly #capacity: number;
  readonly #entries = new Map<string, Entry>();

  constructor(capacity = DEFAULT_ACCOUNT_KEY_CACHE_SIZE) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`key cache capacity must be >= 1, got ${capacity}`);
    this.#capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The imported form of `jwk`, the account key currently stored for `kid`. */
  importFor(kid: string, jwk: AcmePublicJwk): ImportedAccountKey {
    const identity = thumbprintInput(jwk);
    const cached = this.#entries.get(kid);
    if (cached && cached.identity === identity) {
      // Map iteration order is insertion order: re-inserting marks the entry most recently used.
      this.#entries.delete(kid);
      this.#entries.set(kid, cached);
      return cached;
    }
    const entry: Entry = { identity, ...importPublicJwk(jwk) };
    this.#entries.delete(kid);
    this.#entries.set(kid, entry);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    return entry;
  }
}

export function importPublicJwk(jwk: AcmePublicJwk): ImportedAccountKey {
  return { key: importAccountPublicKey(jwk), algorithm: algorithmForKey(jwk) };
}
