/**
 * The external base URL every link in a response is built from.
 *
 * `server.url` lists the public URLs clients use. The directory and every object URL must be one
 * of them: the Host header is client-controlled, so it only *chooses* among the configured URLs
 * and is never echoed back (a forged Host must not make us advertise an attacker's origin).
 */

export class InvalidServerUrlError extends Error {
  override readonly name = "InvalidServerUrlError";
}

export interface ExternalBaseUrl {
  /** Origin plus path prefix, no trailing slash: `https://acme.corp.internal` or `https://h/prefix`. */
  readonly base: string;
  /** `host[:port]` as a client would send it in Host, lower-case, default port omitted. */
  readonly host: string;
  /** Host name alone, lower-case (IPv6 in brackets, as in a Host header). */
  readonly hostname: string;
}

/** Normalises `server.url` once, at the boundary. Throws on anything that is not an http(s) URL. */
export function parseExternalBaseUrls(urls: readonly string[]): readonly ExternalBaseUrl[] {
  if (urls.length === 0) throw new InvalidServerUrlError("server.url must list at least one URL");
  return urls.map((raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new InvalidServerUrlError(`server.url entry ${JSON.stringify(raw)} is not a URL`);
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new InvalidServerUrlError(`server.url entry ${JSON.stringify(raw)} must use https:// or http://`);
    }
    if (url.username || url.password || url.search || url.hash) {
      throw new InvalidServerUrlError(
        `server.url entry ${JSON.stringify(raw)} must not carry credentials, a query or a fragment`,
      );
    }
    const path = url.pathname.replace(/\/+$/, "");
    return { base: `${url.origin}${path}`, host: url.host.toLowerCase(), hostname: url.hostname.toLowerCase() };
  });
}

/**
 * Picks the configured URL whose host matches the request's Host header: exact `host:port` first,
 * then host name alone (a proxy may drop the port), else the first configured URL.
 */
export function selectExternalBaseUrl(
  configured: readonly ExternalBaseUrl[],
  hostHeader: string | undefined,
  scheme: "http" | "https",
): ExternalBaseUrl {
  const first = configured[0];
  if (!first) throw new InvalidServerUrlError("server.url must list at least one URL");
  if (!hostHeader) return first;
  const requested = normaliseHostHeader(hostHeader, scheme);
  if (!requested) return first;
  return (
    configured.find((u) => u.host === requested.host) ??
    configured.find((u) => u.hostname === requested.hostname) ??
    first
  );
}

/** How many distinct Host headers a selector remembers; see `externalBaseUrlSelector`. */
export const SELECTOR_MEMO_SIZE = 256;

/**
 * `selectExternalBaseUrl` for every request, with its answers remembered per scheme and Host
 * header: parsing the header with the URL parser is most of the cost, and clients send the same
 * one or two values. Bounded, since the header is the client's to choose: past the bound the
 * memo is emptied, never grown.
 */
export function externalBaseUrlSelector(
  configured: readonly ExternalBaseUrl[],
): (hostHeader: string | undefined, scheme: "http" | "https") => ExternalBaseUrl {
  const answers = new Map<string, ExternalBaseUrl>();
  return (hostHeader, scheme) => {
    if (!hostHeader) return selectExternalBaseUrl(configured, hostHeader, scheme);
    const key = `${scheme} ${hostHeader}`;
    const known = answers.get(key);
    if (known !== undefined) return known;
    const selected = selectExternalBaseUrl(configured, hostHeader, scheme);
    if (answers.size >= SELECTOR_MEMO_SIZE) answers.clear();
    answers.set(key, selected);
    return selected;
  };
}

function normaliseHostHeader(
  hostHeader: string,
  scheme: "http" | "https",
): { host: string; hostname: string } | undefined {
  try {
    // The URL parser drops the scheme's default port and validates the syntax for us.
    const url = new URL(`${scheme}://${hostHeader.trim()}`);
    if (url.pathname !== "/" || url.username || url.password) return undefined;
    return { host: url.host.toLowerCase(), hostname: url.hostname.toLowerCase() };
  } catch {
    return undefined;
  }
}
