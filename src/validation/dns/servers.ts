/**
 * DNS server addresses as profiles and node's `Resolver.getServers()` write them: `1.2.3.4`,
 * `1.2.3.4:5353`, `::1`, `[::1]:5353`. The TCP lookup needs them split into host and port.
 */
import { isIPv6 } from "node:net";

export interface DnsServerAddress {
  readonly host: string;
  readonly port: number;
}

const DNS_PORT = 53;

export function parseDnsServer(text: string): DnsServerAddress | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed?.[1] !== undefined) return withPort(bracketed[1], bracketed[2]);
  if (isIPv6(text)) return { host: text, port: DNS_PORT };
  const colon = text.lastIndexOf(":");
  if (colon === -1) return { host: text, port: DNS_PORT };
  return withPort(text.slice(0, colon), text.slice(colon + 1));
}

function withPort(host: string, portText: string | undefined): DnsServerAddress | undefined {
  if (portText === undefined) return { host, port: DNS_PORT };
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  return port >= 1 && port <= 65_535 ? { host, port } : undefined;
}
