/**
 * The account key as stored (the JWK text of the account row), parsed once per distinct text
 * rather than on every `kid` request (RFC 8555 §6.2): `JSON.parse`, the member checks and the
 * base64url decoding of the coordinates are repeated work for a key that does not change.
 *
 * A rolled-over key (§7.3.5) is a different text, so it is parsed afresh; the parsed object is
 * frozen and the same object for the same text, which lets the `AccountKeyCache` recognise its
 * key by identity. Bounded like that cache: past the bound the oldest text is forgotten.
 */
import { DEFAULT_ACCOUNT_KEY_CACHE_SIZE } from "./account-key-cache.js";
import { parsePublicJwk, type AcmePublicJwk } from "./public-jwk.js";

export type StoredAccountJwkReader = (storedJwk: string) => AcmePublicJwk;

export function storedAccountJwkReader(capacity = DEFAULT_ACCOUNT_KEY_CACHE_SIZE): StoredAccountJwkReader {
  const parsed = new Map<string, AcmePublicJwk>();
  return (storedJwk) => {
    const known = parsed.get(storedJwk);
    if (known !== undefined) return known;
    const jwk = Object.freeze(parsePublicJwk(JSON.parse(storedJwk)));
    parsed.set(storedJwk, jwk);
    if (parsed.size > capacity) parsed.delete(parsed.keys().next().value ?? "");
    return jwk;
  };
}
