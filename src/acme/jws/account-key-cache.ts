/**
 * Imported account keys, kept per `kid` in a bounded least-recently-used map. Importing a JWK on
 * every request costs more than the signature check itself (dependencies §5), while the account
 * store is still asked on every request, so a rolled-over key (RFC 8555 §7.3.5) or a
 * deactivated account is seen at once: an entry is only reused while the stored key is the same.
 */
import { importJWK } from "jose";
import type { AcmeJwsAlgorithm } from "./algorithms.js";
import { badPublicKey } from "./jws-problems.js";
import { algorithmForKey, thumbprintInput, type AcmePublicJwk } from "./public-jwk.js";

export interface ImportedAccountKey {
  readonly key: CryptoKey;
  readonly algorithm: AcmeJwsAlgorithm;
}

interface Entry extends ImportedAccountKey {
  /** the JWK object imported: the resolver hands back the same object while the stored key is unchanged */
  readonly jwk: AcmePublicJwk;
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
  async importFor(kid: string, jwk: AcmePublicJwk): Promise<ImportedAccountKey> {
    const cached = this.#entries.get(kid);
    // The same object is the same key; another object is compared by its RFC 7638 members.
    if (cached && (cached.jwk === jwk || cached.identity === thumbprintInput(jwk))) {
      // Map iteration order is insertion order: re-inserting marks the entry most recently used.
      this.#entries.delete(kid);
      this.#entries.set(kid, cached);
      return cached;
    }
    const entry: Entry = { jwk, identity: thumbprintInput(jwk), ...(await importPublicJwk(jwk)) };
    this.#entries.delete(kid);
    this.#entries.set(kid, entry);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    return entry;
  }
}

export async function importPublicJwk(jwk: AcmePublicJwk): Promise<ImportedAccountKey> {
  const algorithm = algorithmForKey(jwk);
  try {
    const key = await importJWK({ ...jwk }, algorithm);
    if (key instanceof Uint8Array) throw new TypeError("a public JWK imported as a symmetric secret");
    return { key, algorithm };
  } catch {
    // WebCrypto refuses, e.g., an EC point that is not on its curve.
    throw badPublicKey("The public key could not be imported; it is not a valid key for its type.");
  }
}
