/**
 * The `tls-certificate-manager` section (behaviour reference §9, §4.3): where the server's own
 * HTTPS certificates come from. Each bundle is one certificate for a set of hosts, in one of
 * three modes: `files` (PEM files the operator maintains), `pki` (issued through one of
 * Certeasy's own authorities) and `acme` (from an external ACME CA with http-01).
 *
 * The product calls the external mode `letsencrypt` and keeps its settings under
 * `letsencrypt.*`, with `enabled: true` required. Certeasy names it `acme`, because any RFC 8555
 * CA works, and accepts the product's spelling as an alias so a migrated file loads unchanged:
 * `mode: letsencrypt` is `mode: acme`, and a `letsencrypt:` section is read as `acme:` (both at
 * once are refused). The checks that need `server.url` and `authorities` are in
 * `checkCertificateBundles`, run by the root schema.
 */
import { z } from "zod";
import { DEFAULTS } from "./defaults.js";
import { describeValue } from "./errors.js";
import { anchoredPath, bool, duration, field, list, maybeField, oneOf, optionalField, section } from "./fields.js";
import type { Check } from "./fields.js";
import { canonicalDomainName } from "./domain-name.js";
import { parseHttpsUrl, parseListenAddress } from "./network.js";
import type { ListenAddress } from "./network.js";
import { classifyHost } from "../tls/server-certificate-hosts.js";

const ok = <T>(value: T): { readonly ok: true; readonly value: T } => ({ ok: true, value });
const TLS = DEFAULTS.tlsCertificateManager;

const BUNDLE_NAME = /^[a-z0-9][a-z0-9-]{0,63}$/;
const bundleName: Check<string> = (value) =>
  typeof value === "string" && BUNDLE_NAME.test(value)
    ? ok(value)
    : `expected a bundle name of lower-case letters, digits and "-", starting with a letter or digit, at most 64 characters (it names the cache files), got ${describeValue(value)}`;

/** A DNS name or an IP address, in the canonical form `server.url` hosts are compared in. */
const bundleHost: Check<string> = (value) => {
  const expected = "expected a host name or an IP address";
  if (typeof value !== "string" || value.trim() === "") return `${expected}, got ${describeValue(value)}`;
  const host = classifyHost(value);
  if (host.kind === "ip") return ok(host.value);
  return canonicalDomainName(host.value) === undefined ? `${expected}, got ${JSON.stringify(value)}` : ok(host.value);
};

const MODES = ["files", "pki", "acme", "letsencrypt"] as const;
const CURVES = ["P-256", "P-384", "P-521"] as const;

const rsaSize: Check<number> = (value) =>
  typeof value === "number" && Number.isInteger(value) && value >= 2048 && value <= 8192
    ? ok(value)
    : `expected an RSA key size in bits from 2048 to 8192, got ${describeValue(value)}`;

const keyShape = {
  type: optionalField(oneOf(["ecdsa", "rsa"] as const), TLS.key.type),
  size: maybeField(rsaSize),
  curve: maybeField(oneOf(CURVES)),
};

const keySection = section(keyShape).superRefine((key, ctx) => {
  if (key.size !== undefined && key.curve !== undefined) {
    ctx.addIssue({ code: "custom", path: ["size"], message: "expected size (rsa) or curve (ecdsa), not both: they are mutually exclusive" });
  } else if (key.type === "ecdsa" && key.size !== undefined) {
    ctx.addIssue({ code: "custom", path: ["size"], message: "expected no size with type ecdsa (size is for rsa; ecdsa takes curve)" });
  } else if (key.type === "rsa" && key.curve !== undefined) {
    ctx.addIssue({ code: "custom", path: ["curve"], message: "expected no curve with type rsa (curve is for ecdsa; rsa takes size)" });
  }
});

const bundleShape = {
  name: field(bundleName),
  hosts: list(field(bundleHost), "host names", 1).optional(),
  mode: field(oneOf(MODES)),
  "local-cert-file": maybeField(anchoredPath("%WORKDIR%")),
  "local-key-file": maybeField(anchoredPath("%WORKDIR%")),
  authority: maybeField((value) => (typeof value === "string" && value !== "" ? ok(value) : `expected the name of an authorities entry, got ${describeValue(value)}`)),
  key: keySection.optional(),
};

/** The keys each mode needs, and the ones it has no use for (refused, so the file says what runs). */
const MODE_KEYS: Readonly<Record<(typeof MODES)[number], { readonly required: readonly string[]; readonly refused: readonly string[] }>> = {
  files: { required: ["local-cert-file", "local-key-file"], refused: ["authority", "key"] },
  pki: { required: [], refused: ["local-cert-file", "local-key-file"] },
  acme: { required: [], refused: ["local-cert-file", "local-key-file", "authority"] },
  letsencrypt: { required: [], refused: ["local-cert-file", "local-key-file", "authority"] },
};

const bundleSection = section(bundleShape).superRefine((bundle, ctx) => {
  const keys = MODE_KEYS[bundle.mode];
  const present = bundle as Readonly<Record<string, unknown>>;
  for (const key of keys.required) {
    if (present[key] === undefined) {
      ctx.addIssue({ code: "custom", path: [key], message: `expected a path with mode ${bundle.mode}, got nothing (the key is missing)` });
    }
  }
  for (const key of keys.refused) {
    if (present[key] !== undefined) {
      ctx.addIssue({ code: "custom", path: [key], message: `expected no ${key} with mode ${bundle.mode}, got ${describeValue(present[key])}` });
    }
  }
});

/** `:80` is the product's spelling of "every address, port 80". */
const httpAddress: Check<ListenAddress> = (value) => {
  const text = typeof value === "string" ? value.trim() : undefined;
  const parsed = text === undefined ? undefined : parseListenAddress(text.startsWith(":") ? `0.0.0.0${text}` : text);
  return parsed === undefined ? `expected host:port or :port, got ${describeValue(value)}` : ok(parsed);
};

const directoryUrl: Check<string> = (value) => {
  const expected = "expected the https URL of an ACME directory";
  const url = typeof value === "string" ? parseHttpsUrl(value.trim()) : undefined;
  return url instanceof URL ? ok(url.href) : `${expected}, got ${describeValue(value)}`;
};

const email: Check<string> = (value) =>
  typeof value === "string" && /^[^\s@]+@[^\s@]+$/.test(value) ? ok(value) : `expected an e-mail address, got ${describeValue(value)}`;

const externalAcmeShape = {
  "directory-url": optionalField(directoryUrl, TLS.acme.directoryUrl),
  email: maybeField(email),
  "http-addr": optionalField(httpAddress, TLS.acme.httpAddress),
  "ca-bundle": maybeField(anchoredPath("%WORKDIR%")),
  "cache-dir": optionalField(anchoredPath("%WORKDIR%"), TLS.acme.cacheDir),
};

const letsEncryptShape = { enabled: optionalField(bool, false), ...externalAcmeShape };

export const tlsCertificateManagerShape = {
  "acquire-timeout": optionalField(duration({ allowZero: false }), TLS.acquireTimeoutMs),
  "renew-before": optionalField(duration({ allowZero: false }), TLS.renewBeforeMs),
  "pki-poll-interval": optionalField(duration({ allowZero: false }), TLS.pkiPollIntervalMs),
  "file-watch-interval": optionalField(duration({ allowZero: false }), TLS.fileWatchIntervalMs),
  "local-pki-cache-dir": optionalField(anchoredPath("%WORKDIR%"), TLS.localPkiCacheDir),
  acme: section(externalAcmeShape).optional(),
  letsencrypt: section(letsEncryptShape).optional(),
  bundles: list(bundleSection, "bundles", 1).optional(),
};

export const TLS_CERTIFICATE_MANAGER_KEYS: Readonly<Record<string, readonly string[]>> = {
  "tls-certificate-manager": Object.keys(tlsCertificateManagerShape),
  "tls-certificate-manager.acme": Object.keys(externalAcmeShape),
  "tls-certificate-manager.letsencrypt": Object.keys(letsEncryptShape),
  "tls-certificate-manager.bundles[]": Object.keys(bundleShape),
  "tls-certificate-manager.bundles[].key": Object.keys(keyShape),
};

export const tlsCertificateManager = section(tlsCertificateManagerShape).superRefine((manager, ctx) => {
  const bundles = manager.bundles ?? [];
  const seen = new Map<string, number>();
  bundles.forEach((bundle, index) => {
    const first = seen.get(bundle.name);
    if (first !== undefined) {
      ctx.addIssue({ code: "custom", path: ["bundles", index, "name"], message: `expected a unique bundle name, got ${JSON.stringify(bundle.name)} again (first at bundles.${first})` });
    }
    seen.set(bundle.name, index);
    if (bundle.hosts === undefined && bundles.length > 1) {
      ctx.addIssue({ code: "custom", path: ["bundles", index, "hosts"], message: "expected the hosts of this bundle, got nothing (hosts may only be left out when there is a single bundle)" });
    }
  });
  if (manager.acme !== undefined && manager.letsencrypt !== undefined) {
    ctx.addIssue({ code: "custom", path: ["letsencrypt"], message: "expected either acme or letsencrypt (its alias), got both" });
  }
  const external = bundles.findIndex((bundle) => bundle.mode === "acme" || bundle.mode === "letsencrypt");
  if (external !== -1 && manager.letsencrypt !== undefined && !manager.letsencrypt.enabled) {
    ctx.addIssue({ code: "custom", path: ["letsencrypt", "enabled"], message: `expected true while bundles.${external} uses mode ${bundles[external]?.mode}, got false` });
  }
});

export type ParsedTlsCertificateManager = z.output<typeof tlsCertificateManager>;
