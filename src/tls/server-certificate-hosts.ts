/**
 * The names the server's own certificate must cover: the hosts of `server.url`, each as a
 * dNSName or, for an IP literal, an iPAddress SAN (RFC 5280 §4.2.1.6; RFC 6125 forbids matching
 * an IP against a dNSName).
 */
import "reflect-metadata";
import type { X509Certificate as NodeX509Certificate } from "node:crypto";
import { isIP } from "node:net";
import * as x509 from "@peculiar/x509";

export interface CertificateHost {
  readonly kind: "dns" | "ip";
  /** Lower-case DNS name, or the canonical text form of the IP address. */
  readonly value: string;
}

/** Host names of the configured `server.url` entries, in order, without duplicates. */
export function hostsOfServerUrls(serverUrls: readonly string[]): string[] {
  return [...new Set(serverUrls.map((u) => new URL(u).hostname))];
}

/** Classifies and canonicalises hosts (`[::1]` → `::1`, upper → lower case), dropping duplicates. */
export function certificateHosts(hosts: readonly string[]): CertificateHost[] {
  const seen = new Map<string, CertificateHost>();
  for (const raw of hosts) {
    const host = classifyHost(raw);
    seen.set(`${host.kind}:${host.value}`, host);
  }
  return [...seen.values()];
}

export function classifyHost(raw: string): CertificateHost {
  const bare = raw.trim().replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare.length === 0) throw new Error("a server certificate host must not be empty");
  const family = isIP(bare);
  if (family === 0) return { kind: "dns", value: bare.replace(/\.$/, "") };
  // The WHATWG URL parser prints IPv6 in the RFC 5952 canonical form, so equal addresses compare equal.
  const canonical = new URL(family === 6 ? `http://[${bare}]/` : `http://${bare}/`).hostname;
  return { kind: "ip", value: canonical.replace(/^\[(.*)\]$/, "$1") };
}

/** Same set of names, order ignored. */
export function sameHosts(a: readonly CertificateHost[], b: readonly CertificateHost[]): boolean {
  const key = (h: CertificateHost): string => `${h.kind}:${h.value}`;
  const left = new Set(a.map(key));
  const right = new Set(b.map(key));
  return left.size === right.size && [...left].every((k) => right.has(k));
}

/** The dNSName and iPAddress SANs of a certificate, canonical. */
export function subjectAlternativeNames(leaf: NodeX509Certificate): CertificateHost[] {
  const san = new x509.X509Certificate(new Uint8Array(leaf.raw)).getExtension(x509.SubjectAlternativeNameExtension);
  if (!san) return [];
  return san.names.items
    .filter((name) => name.type === "dns" || name.type === "ip")
    .map((name) => classifyHost(name.value));
}
