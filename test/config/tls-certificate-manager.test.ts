/** `tls-certificate-manager` (behaviour reference §9): bundles, modes, coverage of server.url. */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { errorLines } from "./helpers.js";

const BASE = `workdir: /srv/certeasy
server:
  url:
    - https://acme.example.test/
    - https://acme-alt.example.test/
    - https://10.0.0.5/
`;
const withTls = (section: string, base = BASE): string => `${base}tls-certificate-manager:\n${section}`;
/** server.url without an IP address, as an external ACME CA needs */
const NAMES_ONLY = BASE.replace("    - https://10.0.0.5/\n", "");

describe("tls-certificate-manager", () => {
  it("runs one pki bundle from the bootstrap root for every server.url host when the section is absent", () => {
    const tls = parseConfigText(BASE, "config.yml").tlsCertificateManager;
    expect(tls.bundles).toEqual([
      { name: "server", hosts: ["acme.example.test", "acme-alt.example.test", "10.0.0.5"], mode: "pki", authority: null, key: { type: "ecdsa", curve: "P-256" } },
    ]);
    expect(tls).toMatchObject({
      renewBeforeMs: 720 * 3_600_000,
      fileWatchIntervalMs: 5_000,
      acquireTimeoutMs: 120_000,
      localPkiCacheDir: "/srv/certeasy/server-certificate-cache",
      acme: null,
    });
  });

  it("reads the three modes, with hosts, files, authority and key", () => {
    const tls = parseConfigText(
      withTls(`  renew-before: 240h
  acme:
    directory-url: https://127.0.0.1:14000/dir
    email: pki@example.test
    http-addr: ":5002"
    ca-bundle: "%WORKDIR%/pebble.pem"
  bundles:
    - name: public
      hosts:
        - ACME.example.test
      mode: files
      local-cert-file: "%WORKDIR%/tls/chain.pem"
      local-key-file: /etc/certeasy/key.pem
    - name: internal
      hosts:
        - 10.0.0.5
      mode: pki
      key:
        type: rsa
    - name: external
      hosts:
        - acme-alt.example.test
      mode: acme
      key:
        curve: P-384
`),
      "config.yml",
    ).tlsCertificateManager;
    expect(tls.renewBeforeMs).toBe(240 * 3_600_000);
    expect(tls.bundles).toEqual([
      { name: "public", hosts: ["acme.example.test"], mode: "files", certFile: "/srv/certeasy/tls/chain.pem", keyFile: "/etc/certeasy/key.pem" },
      { name: "internal", hosts: ["10.0.0.5"], mode: "pki", authority: "local", key: { type: "rsa", size: 3072 } },
      { name: "external", hosts: ["acme-alt.example.test"], mode: "acme", key: { type: "ecdsa", curve: "P-384" } },
    ]);
    expect(tls.acme).toEqual({
      directoryUrl: "https://127.0.0.1:14000/dir",
      email: "pki@example.test",
      httpAddress: { host: "0.0.0.0", port: 5002 },
      caBundleFile: "/srv/certeasy/pebble.pem",
      cacheDir: "/srv/certeasy/autocert",
    });
  });

  it("accepts the product's letsencrypt mode and section as aliases of acme", () => {
    const tls = parseConfigText(
      withTls(`  letsencrypt:
    enabled: true
    email: pki@example.test
    cache-dir: "%WORKDIR%/le"
  bundles:
    - name: le
      mode: letsencrypt
`, NAMES_ONLY),
      "config.yml",
    ).tlsCertificateManager;
    expect(tls.bundles[0]).toMatchObject({ mode: "acme", hosts: ["acme.example.test", "acme-alt.example.test"] });
    expect(tls.acme).toMatchObject({ directoryUrl: "https://acme-v02.api.letsencrypt.org/directory", httpAddress: { host: "0.0.0.0", port: 80 }, cacheDir: "/srv/certeasy/le" });
  });

  it("refuses to start when a server.url host is in no bundle, naming the host", () => {
    expect(
      errorLines(
        withTls(`  bundles:
    - name: main
      hosts:
        - acme.example.test
        - 10.0.0.5
      mode: pki
`),
      ),
    ).toEqual([
      "config.yml: tls-certificate-manager.bundles: expected every server.url host in exactly one bundle, got no bundle for host acme-alt.example.test; add it to the hosts of one bundle",
    ]);
  });

  it("refuses a host in two bundles", () => {
    expect(
      errorLines(
        withTls(`  bundles:
    - name: one
      hosts:
        - acme.example.test
        - acme-alt.example.test
        - 10.0.0.5
      mode: pki
    - name: two
      hosts:
        - Acme.Example.Test.
      mode: pki
`),
      ),
    ).toEqual([
      "config.yml: tls-certificate-manager.bundles.1.hosts.0: expected each host in exactly one bundle, got acme.example.test in bundles.0 (one) and here",
    ]);
  });

  it("refuses keys a mode has no use for, and missing ones it needs", () => {
    expect(
      errorLines(
        withTls(`  bundles:
    - name: f
      hosts:
        - acme.example.test
        - acme-alt.example.test
        - 10.0.0.5
      mode: files
      local-cert-file: /etc/certeasy/chain.pem
      authority: local
    - name: p
      hosts:
        - nowhere.example.test
      mode: pki
      local-key-file: /etc/certeasy/key.pem
      key:
        type: ecdsa
        size: 4096
`),
      ),
    ).toEqual([
      "config.yml: tls-certificate-manager.bundles.0.local-key-file: expected a path with mode files, got nothing (the key is missing)",
      'config.yml: tls-certificate-manager.bundles.0.authority: expected no authority with mode files, got "local"',
      "config.yml: tls-certificate-manager.bundles.1.key.size: expected no size with type ecdsa (size is for rsa; ecdsa takes curve)",
      'config.yml: tls-certificate-manager.bundles.1.local-key-file: expected no local-key-file with mode pki, got "/etc/certeasy/key.pem"',
    ]);
  });

  it("refuses an unknown mode, and hosts left out beside another bundle", () => {
    expect(errorLines(withTls(`  bundles:\n    - name: a\n      mode: selfsigned\n`))).toEqual([
      'config.yml: tls-certificate-manager.bundles.0.mode: expected one of files, pki, acme, letsencrypt, got "selfsigned"',
    ]);
    const lines = errorLines(withTls(`  bundles:\n    - name: a\n      mode: pki\n    - name: b\n      mode: pki\n`));
    expect(lines).toContain("config.yml: tls-certificate-manager.bundles.0.hosts: expected the hosts of this bundle, got nothing (hosts may only be left out when there is a single bundle)");
  });

  it("names an undefined authority, and letsencrypt left disabled", () => {
    expect(
      errorLines(
        withTls(`  letsencrypt:
    email: pki@example.test
  bundles:
    - name: b
      mode: pki
      authority: adcs
`),
      ),
    ).toEqual(['config.yml: tls-certificate-manager.bundles.0.authority: expected the name of an authorities entry (local), got "adcs"']);
    expect(
      errorLines(
        withTls(`  letsencrypt:
    email: pki@example.test
  bundles:
    - name: b
      mode: letsencrypt
`, NAMES_ONLY),
      ),
    ).toEqual(["config.yml: tls-certificate-manager.letsencrypt.enabled: expected true while bundles.0 uses mode letsencrypt, got false"]);
  });

  it("refuses an IP address in an acme bundle: the external CA is asked for host names only", () => {
    expect(errorLines(withTls(`  bundles:\n    - name: b\n      mode: acme\n`))).toEqual([
      "config.yml: tls-certificate-manager.bundles.0.hosts: expected host names only with mode acme, got the IP address 10.0.0.5 (serve it from a pki or files bundle)",
    ]);
  });

  it("refuses server.url IP addresses split across bundles: without SNI only one certificate can answer", () => {
    const lines = errorLines(
      `workdir: /srv/certeasy
server:
  url:
    - https://10.0.0.5/
    - https://10.0.0.6/
tls-certificate-manager:
  bundles:
    - name: a
      hosts:
        - 10.0.0.5
      mode: pki
    - name: b
      hosts:
        - 10.0.0.6
      mode: pki
`,
    );
    expect(lines).toEqual([
      "config.yml: tls-certificate-manager.bundles: expected the server.url IP addresses in a single bundle, got them in bundles 0, 1 (a client connecting to an IP address sends no server name, so only one certificate can answer it)",
    ]);
  });
});
