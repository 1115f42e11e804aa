/**
 * Which redirects http-01 follows (RFC 8555 §8.3 "SHOULD follow redirects", §10.4 on the risks):
 * http and https only, and only to the two validation ports — the configured http-01 and
 * tls-alpn-01 ports, which are 80 and 443 outside tests. A URL without a port means the
 * configured port of its scheme. Every target is then resolved and checked like the first one.
 */
import type { ValidationProfile } from "./profile.js";

export const MAX_REDIRECTS = 10;

export type RequestTarget =
  | { readonly ok: true; readonly url: URL; readonly host: string; readonly port: number }
  | { readonly ok: false; readonly reason: string };

export function redirectTarget(location: string, from: URL, ports: ValidationProfile["ports"]): RequestTarget {
  if (!URL.canParse(location, from)) return { ok: false, reason: "redirected to something that is not a URL" };
  const url = new URL(location, from);
  url.hash = "";
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return { ok: false, reason: `redirected to a ${url.protocol.slice(0, -1)} URL; only http and https are followed` };
  }
  if (url.hostname === "") return { ok: false, reason: "redirected to a URL without a host" };
  const port = url.port === "" ? (url.protocol === "http:" ? ports.http01 : ports.tlsAlpn01) : Number(url.port);
  if (port !== ports.http01 && port !== ports.tlsAlpn01) {
    return {
      ok: false,
      reason: `redirected to ${url.href}, but only ports ${ports.http01} and ${ports.tlsAlpn01} are followed`,
    };
  }
  return { ok: true, url, host: hostOf(url), port };
}

/** The host of a URL as a resolver or a policy wants it: IPv6 literals without brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}
