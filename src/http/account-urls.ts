/**
 * Every URL of an account: one per configured `server.url`, each the `Location` newAccount gives
 * a client that came through that URL (RFC 8555 §7.3) and each accepted as the account's `kid`.
 * An RFC 8657 `accounturi` in a CAA record may name the account by any of them.
 */
import { accountUrl } from "./acme-paths.js";
import { parseExternalBaseUrls } from "./external-base-url.js";

export function accountUrlsOf(serverUrls: readonly string[]): (accountId: string) => readonly string[] {
  const bases = parseExternalBaseUrls(serverUrls);
  return (accountId) => bases.map((b) => accountUrl(b.base, accountId));
}
