/**
 * The `tls-certificate-manager` checks that need other sections, and its conversion to
 * `TlsCertificateManagerConfig` (behaviour reference §9). A file without the section runs one
 * implicit `pki` bundle for every `server.url` host, issued from the bootstrap root CA: the
 * behaviour of a first start, kept so README's first command works without the section.
 */
import { DEFAULTS } from "./defaults.js";
import type { ParsedTlsCertificateManager } from "./tls-certificate-manager-schema.js";
import type { CertificateBundleConfig, ServerKeySpec, TlsCertificateManagerConfig } from "./types.js";
import { classifyHost, hostsOfServerUrls } from "../tls/server-certificate-hosts.js";

const TLS = DEFAULTS.tlsCertificateManager;
type ParsedBundle = NonNullable<ParsedTlsCertificateManager["bundles"]>[number];

/** The hosts a bundle serves: its `hosts`, or every `server.url` host when it is the only bundle. */
function bundleHosts(bundle: ParsedBundle, serverHosts: readonly string[]): readonly string[] {
  return bundle.hosts ?? serverHosts;
}

function canonicalServerHosts(serverUrls: readonly URL[]): string[] {
  return hostsOfServerUrls(serverUrls.map((url) => url.href)).map((host) => classifyHost(host).value);
}

/**
 * Every `server.url` host in exactly one bundle (a TLS handshake must find one certificate for
 * the name it asks for), no host in two bundles, the `server.url` IP addresses all in one bundle
 * (a client connecting to an IP address sends no SNI, RFC 6066 §3, so the server cannot tell
 * them apart), and each pki bundle's authority defined. `report` takes the path from the root.
 */
export function checkCertificateBundles(
  manager: ParsedTlsCertificateManager | undefined,
  serverUrls: readonly URL[],
  authorityNames: readonly string[],
  report: (path: (string | number)[], message: string) => void,
): void {
  const bundles = manager?.bundles;
  if (bundles === undefined) return;
  const serverHosts = canonicalServerHosts(serverUrls);
  const at = (...path: (string | number)[]): (string | number)[] => ["tls-certificate-manager", "bundles", ...path];

  const owner = new Map<string, number>();
  bundles.forEach((bundle, index) => {
    bundleHosts(bundle, serverHosts).forEach((host, h) => {
      const first = owner.get(host);
      if (first === undefined) owner.set(host, index);
      else if (first !== index) {
        report(at(index, "hosts", h), `expected each host in exactly one bundle, got ${host} in bundles.${first} (${bundles[first]?.name}) and here`);
      }
    });
    if (bundle.mode === "acme" || bundle.mode === "letsencrypt") {
      // acme-client orders dNSName identifiers only, and public ACME CAs validate names, not addresses.
      const ip = bundleHosts(bundle, serverHosts).find((host) => classifyHost(host).kind === "ip");
      if (ip !== undefined) {
        report(at(index, "hosts"), `expected host names only with mode ${bundle.mode}, got the IP address ${ip} (serve it from a pki or files bundle)`);
      }
    }
    if (bundle.mode === "pki") {
      const known = authorityNames.join(", ");
      if (bundle.authority === undefined && authorityNames.length > 1) {
        report(at(index, "authority"), `expected the authority that issues this bundle (one of ${known}), got nothing (the key is missing and there are several authorities)`);
      } else if (bundle.authority !== undefined && !authorityNames.includes(bundle.authority)) {
        report(at(index, "authority"), `expected the name of an authorities entry (${known}), got ${JSON.stringify(bundle.authority)}`);
      }
    }
  });

  for (const host of serverHosts) {
    if (!owner.has(host)) {
      report(at(), `expected every server.url host in exactly one bundle, got no bundle for host ${host}; add it to the hosts of one bundle`);
    }
  }
  const ipBundles = new Set(serverHosts.filter((host) => classifyHost(host).kind === "ip").map((host) => owner.get(host)));
  if (ipBundles.size > 1) {
    report(at(), `expected the server.url IP addresses in a single bundle, got them in bundles ${[...ipBundles].join(", ")} (a client connecting to an IP address sends no server name, so only one certificate can answer it)`);
  }
}

export function normaliseTlsCertificateManager(
  manager: ParsedTlsCertificateManager | undefined,
  serverUrls: readonly URL[],
  authorityNames: readonly string[],
  inWorkdir: (path: string) => string,
): TlsCertificateManagerConfig {
  const serverHosts = canonicalServerHosts(serverUrls);
  const external = manager?.acme ?? manager?.letsencrypt;
  const parsedBundles = manager?.bundles;
  const bundles: CertificateBundleConfig[] =
    parsedBundles === undefined
      ? [{ name: TLS.implicitBundleName, hosts: serverHosts, mode: "pki", authority: null, key: { type: "ecdsa", curve: TLS.key.curve } }]
      : parsedBundles.map((bundle) => normaliseBundle(bundle, bundleHosts(bundle, serverHosts), authorityNames, inWorkdir));
  return {
    bundles,
    renewBeforeMs: manager?.["renew-before"] ?? TLS.renewBeforeMs,
    fileWatchIntervalMs: manager?.["file-watch-interval"] ?? TLS.fileWatchIntervalMs,
    acquireTimeoutMs: manager?.["acquire-timeout"] ?? TLS.acquireTimeoutMs,
    pkiPollIntervalMs: manager?.["pki-poll-interval"] ?? TLS.pkiPollIntervalMs,
    localPkiCacheDir: inWorkdir(manager?.["local-pki-cache-dir"] ?? TLS.localPkiCacheDir),
    acme: bundles.some((bundle) => bundle.mode === "acme")
      ? {
          directoryUrl: external?.["directory-url"] ?? TLS.acme.directoryUrl,
          email: external?.email ?? null,
          httpAddress: external?.["http-addr"] ?? TLS.acme.httpAddress,
          caBundleFile: external?.["ca-bundle"] === undefined ? null : inWorkdir(external["ca-bundle"]),
          cacheDir: inWorkdir(external?.["cache-dir"] ?? TLS.acme.cacheDir),
        }
      : null,
  };
}

function normaliseBundle(
  bundle: ParsedBundle,
  hosts: readonly string[],
  authorityNames: readonly string[],
  inWorkdir: (path: string) => string,
): CertificateBundleConfig {
  const common = { name: bundle.name, hosts: [...new Set(hosts)] };
  switch (bundle.mode) {
    case "files": {
      const certFile = bundle["local-cert-file"];
      const keyFile = bundle["local-key-file"];
      if (certFile === undefined || keyFile === undefined) throw new TypeError(`bundle ${bundle.name}: files missing after validation`);
      return { ...common, mode: "files", certFile: inWorkdir(certFile), keyFile: inWorkdir(keyFile) };
    }
    case "pki": {
      const authority = bundle.authority ?? authorityNames[0];
      if (authority === undefined) throw new TypeError(`bundle ${bundle.name}: no authority after validation`);
      return { ...common, mode: "pki", authority, key: keySpec(bundle.key) };
    }
    case "acme":
    case "letsencrypt":
      return { ...common, mode: "acme", key: keySpec(bundle.key) };
  }
}

function keySpec(key: ParsedBundle["key"]): ServerKeySpec {
  if (key?.type === "rsa") return { type: "rsa", size: key.size ?? TLS.key.rsaSize };
  return { type: "ecdsa", curve: key?.curve ?? TLS.key.curve };
}
