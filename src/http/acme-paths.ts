/**
 * Request paths of the ACME resources, relative to an external base URL. One table, so the
 * directory (RFC 8555 §7.1.1) and the routes that serve each resource cannot drift apart.
 * The names follow the Certeasy endpoint list (behaviour reference §2.1).
 */
export const acmePaths = {
  directory: "/acme/directory",
  newNonce: "/acme/newNonce",
  newAccount: "/acme/newAccount",
  newOrder: "/acme/newOrder",
  revokeCert: "/acme/revoke-cert",
  keyChange: "/acme/keyChange",
} as const;

/** Account URLs (RFC 8555 §7.3): `<base>/acme/acct/<accountId>`, the `kid` of later requests. */
export const accountPath = (accountId: string): string => `/acme/acct/${accountId}`;
/** An account's URL under one external base URL: newAccount's `Location`, later requests' `kid` (RFC 8555 §7.3). */
export const accountUrl = (base: string, accountId: string): string => base + accountPath(accountId);
export const accountOrdersPath = (accountId: string): string => `/acme/acct/${accountId}/orders`;

export type AcmeResource = keyof typeof acmePaths;

/** Order resources (RFC 8555 §7.1.3–7.1.5, §7.4); ids are UUIDv7. */
export const orderPath = (orderId: string): string => `/acme/order/${orderId}`;
export const finalizePath = (orderId: string): string => `/acme/order/${orderId}/finalize`;
export const authorizationPath = (authzId: string): string => `/acme/authz/${authzId}`;
export const challengePath = (challengeId: string): string => `/acme/chall/${challengeId}`;
export const certificatePath = (certificateId: string): string => `/acme/cert/${certificateId}`;
/** RFC 9773 §4: `renewalInfo` in the directory; the certID is appended as a path segment. */
export const renewalInfoPath = "/acme/renewal-info";
/**
 * The embedded CA's legacy CRL (RFC 5280 §5): the CRL distribution point of the certificates it
 * issued before its CRLs were partitioned.
 */
export const crlPath = (authority: string): string => `/crl/${authority}.crl`;
/** One shard of the embedded CA's partitioned CRL, named in the distribution point of the certificates whose serials fall in it. */
export const crlShardPath = (authority: string, shard: number): string => `/crl/${authority}/${shard}.crl`;
/** The issuing CA certificate (RFC 5280 §4.2.2.1 AIA caIssuers), DER, so clients can complete a chain. */
export const caIssuerPath = (authority: string): string => `/ca/${authority}.crt`;

export const healthPaths = {
  liveness: "/healthz",
  readiness: "/readyz",
} as const;

/** The Prometheus scrape endpoint (issue 6, Observability). */
export const metricsPath = "/metrics";

/**
 * The probes and the scrape endpoint: they serve load balancers and monitoring, not ACME
 * clients, so they neither spend nor carry nonces, are not rate limited, and stay up on a node
 * that does not serve ACME (standby, lost lease) so operators can see why.
 */
export const operationsPaths: ReadonlySet<string> = new Set([healthPaths.liveness, healthPaths.readiness, metricsPath]);

/** The account id in an account URL under `base`, or null when the URL is not one of ours. */
export function accountIdFromUrl(url: string, base: string): string | null {
  const prefix = base + accountPath("");
  if (!url.startsWith(prefix)) return null;
  const accountId = url.slice(prefix.length);
  return accountId === "" || accountId.includes("/") ? null : accountId;
}
