/**
 * Parsers for the network-shaped values of the config: the listen address, the
 * public base URLs, CIDRs and DNS servers. Each returns `undefined` for a value it does not
 * accept; the schema turns that into a message naming the key. Pure.
 */
import { isIP, isIPv6 } from "node:net";

export interface ListenAddress {
  /** IP address or host name, IPv6 without brackets (as `net.Server.listen` wants it) */
  readonly host: string;
  /** 0 lets the operating system pick a free port (useful in tests) */
  readonly port: number;
}

export interface Cidr {
  readonly address: string;
  readonly prefixLength: number;
  /** the family names `net.BlockList.addSubnet` takes */
  readonly family: "ipv4" | "ipv6";
}

const HOST_NAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const PORT = /^\d{1,5}$/;
/** RFC 9110 §5.6.2 token: what an HTTP header name may contain */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export function parseListenAddress(text: string): ListenAddress | undefined {
  const colon = text.lastIndexOf(":");
  if (colon <= 0) return undefined;
  const hostPart = text.slice(0, colon);
  const portPart = text.slice(colon + 1);
  if (!PORT.test(portPart)) return undefined;
  const port = Number(portPart);
  if (port > 65_535) return undefined;
  if (hostPart.startsWith("[") && hostPart.endsWith("]")) {
    const inner = hostPart.slice(1, -1);
    return isIPv6(inner) ? { host: inner, port } : undefined;
  }
  // An unbracketed IPv6 address ("::1:8443") is ambiguous; RFC 3986 §3.2.2 brackets it.
  if (hostPart.includes(":")) return undefined;
  if (isIP(hostPart) === 4 || HOST_NAME.test(hostPart)) return { host: hostPart, port };
  return undefined;
}

/** A trusted proxy: a CIDR, or a single address standing for its /32 or /128. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  const address = slash === -1 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const maxPrefix = version === 4 ? 32 : 128;
  let prefixLength = maxPrefix;
  if (slash !== -1) {
    const prefixText = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return undefined;
    prefixLength = Number(prefixText);
    if (prefixLength > maxPrefix) return undefined;
  }
  return { address, prefixLength, family: version === 4 ? "ipv4" : "ipv6" };
}

/**
 * Why https only: RFC 8555 §6.1 requires ACME over HTTPS, and these URLs appear in the directory
 * and in every object link. Credentials, queries and fragments make no sense in a base URL.
 * Returns the URL, or what is wrong with it — never echoing the text, which could hold a password.
 */
export function parseHttpsUrl(text: string): URL | string {
  if (!URL.canParse(text)) return "not a URL";
  const url = new URL(text);
  if (url.protocol !== "https:") return `a URL with scheme ${url.protocol.replace(/:$/, "")}`;
  if (url.hostname === "") return "a URL without a host";
  if (url.username !== "" || url.password !== "") return "a URL with a user name or password";
  if (url.search !== "" || url.hash !== "") return "a URL with a query or fragment";
  return url;
}

export function isHeaderName(text: string): boolean {
  return HEADER_NAME.test(text);
}

/** The port a DNS server listens on when the config names only its address (RFC 1035 §4.2). */
const DNS_PORT = 53;

/**
 * A DNS server of a validation profile: an IP address with an optional port (53 when left
 * out), IPv6 in brackets when a port follows (`[2001:db8::53]:5353`). Addresses only: the
 * validator's resolver is given servers, not names it would first have to resolve. Returns the
 * canonical `host:port` text, IPv6 always bracketed.
 */
export function parseDnsServer(text: string): string | undefined {
  if (isIP(text) === 4) return `${text}:${DNS_PORT}`;
  // A bare IPv6 address is refused: `::1:53` reads both as an address and as address:port.
  if (text.startsWith("[") && text.endsWith("]")) {
    const inner = text.slice(1, -1);
    return isIPv6(inner) ? `[${inner.toLowerCase()}]:${DNS_PORT}` : undefined;
  }
  const address = parseListenAddress(text);
  if (address === undefined || address.port === 0 || isIP(address.host) === 0) return undefined;
  return isIPv6(address.host) ? `[${address.host.toLowerCase()}]:${address.port}` : `${address.host}:${address.port}`;
}
