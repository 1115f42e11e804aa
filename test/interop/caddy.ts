/**
 * Caddy (Debian's 2.6.2) against Certeasy, run the way a site operator runs it: automatic HTTPS
 * for a site, the `acme` issuer pointed at Certeasy's directory with Certeasy's root as its only
 * trusted root (`trusted_roots_pem_files`), and Caddy's own servers answering the challenges —
 * its HTTP server (`http_port`) on the validator's http-01 port, its HTTPS server (`https_port`)
 * on the tls-alpn-01 port: the 80 and 443 of a real site. Each scenario runs its own
 * `caddy run` with a JSON config in a folder of its own in the run's workspace (so its own ACME
 * account: no authorization carries over); its storage, HOME and XDG dirs are there too, every
 * listener is on 127.0.0.1, the admin endpoint is off. Never the Debian service.
 *
 * Each certificate is proven twice: served — a TLS handshake on Caddy's HTTPS port with SNI set
 * to the name (none for an IP address) and only the server's root trusted — and stored — the
 * same checks as for certbot and lego on what Caddy keeps (chain to the root, exact names, the
 * key Caddy holds).
 *
 * Not here, on purpose:
 * - dns-01, hence no wildcard: Debian's caddy has no DNS provider module (`caddy list-modules`
 *   lists none under dns.providers), so stock Caddy cannot publish the TXT record.
 * - `preferred_chains` by name: Certeasy offers two chains (RFC 8555 §7.4.2: the default, and
 *   one with the root appended), both ending at the same root, so `root_common_name` /
 *   `any_common_name` cannot tell them apart. `smallest: false` (the largest) can, and is here.
 * - revocation and ARI: Caddy 2.6 has no revoke command and predates ARI (RFC 9773).
 */
import { X509Certificate } from "node:crypto";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AcmeError } from "./acme-errors.js";
import { caddyIssuanceErrors, caddyLastProblem, validatedChallengeTypes } from "./caddy-log.js";
import { checkIssued, fullChainFiles, pemCertificates, type ExpectedKey, type IssuedCertificate } from "./certificates.js";
import { CONTACT_EMAIL, scratchFile, type InteropContext } from "./context.js";
import { createEabKey, type EabCredentials } from "./eab.js";
import { RunningProgram, clientEnv } from "./processes.js";
import { ScenarioFailure, tail, type Scenario } from "./scenario.js";
import { servedCertificate, type ServedCertificate } from "./served-certificate.js";

type Challenge = "http-01" | "tls-alpn-01";

export interface CaddySite {
  /** the site's address: a host name under .test, or a loopback IP address (RFC 8738) */
  readonly name: string;
  /** the one challenge type the issuer may use: the other is disabled */
  readonly challenge: Challenge;
  /** Caddy's `key_type` (p256, its default; p384; ed25519; rsa2048; rsa4096) */
  readonly keyType?: string;
  readonly externalAccount?: EabCredentials;
  /** renew once less than `windowRatio` of the lifetime remains, checking every `checkEvery` */
  readonly renewal?: { readonly windowRatio: number; readonly checkEvery: string };
  /** the issuer's `preferred_chains.smallest`: false takes the largest chain the server offers */
  readonly smallestChain?: boolean;
}

/** Where Caddy finds the server, and the ports the server's validator dials. */
export interface CaddyTarget {
  readonly directoryUrl: string;
  readonly rootCaPath: string;
  readonly http01Port: number;
  readonly tlsAlpn01Port: number;
}

/** Caddy's JSON config for one site served over HTTPS, its certificate from Certeasy. */
export function caddyConfig(target: CaddyTarget, site: CaddySite, storage: string): Record<string, unknown> {
  const issuer = {
    module: "acme",
    ca: target.directoryUrl,
    email: CONTACT_EMAIL,
    trusted_roots_pem_files: [target.rootCaPath],
    ...(site.externalAccount === undefined ? {} : { external_account: { key_id: site.externalAccount.keyId, mac_key: site.externalAccount.hmacKey } }),
    ...(site.smallestChain === undefined ? {} : { preferred_chains: { smallest: site.smallestChain } }),
    challenges: {
      // Only used if Caddy had to start a responder of its own: keep it on loopback too.
      bind_host: "127.0.0.1",
      [site.challenge === "http-01" ? "tls-alpn" : "http"]: { disabled: true },
    },
  };
  const policy = {
    // The site named explicitly: without it Caddy gives an IP address (and localhost, *.local…)
    // to its own internal CA instead of the configured issuer.
    subjects: [site.name],
    issuers: [issuer],
    ...(site.keyType === undefined ? {} : { key_type: site.keyType }),
    ...(site.renewal === undefined ? {} : { renewal_window_ratio: site.renewal.windowRatio }),
  };
  return {
    admin: { disabled: true, config: { persist: false } },
    storage: { module: "file_system", root: storage },
    logging: { logs: { default: { level: "INFO", writer: { output: "stderr" }, encoder: { format: "json" } } } },
    apps: {
      http: {
        http_port: target.http01Port,
        https_port: target.tlsAlpn01Port,
        servers: {
          site: {
            listen: [`127.0.0.1:${target.tlsAlpn01Port}`],
            protocols: ["h1", "h2"],
            routes: [{ match: [{ host: [site.name] }], handle: [{ handler: "static_response", body: "served by caddy" }] }],
          },
        },
      },
      tls: { automation: { policies: [policy], ...(site.renewal === undefined ? {} : { renew_interval: site.renewal.checkEvery }) } },
      // Were Caddy ever to fall back to its internal CA, it would install that CA's root in the
      // machine's trust stores (/usr/local/share/ca-certificates, Java's cacerts) when run as
      // root. Never from a test run.
      pki: { certificate_authorities: { local: { install_trust: false } } },
    },
  };
}

interface RunningCaddy {
  /** Caddy's storage root (file_system) */
  readonly storage: string;
  log(): string;
  /** Caddy's last log lines, for a FAIL line */
  evidence(): string;
  /** how Caddy ended, in words, or null while it runs */
  exit(): string | null;
}

let caddyRuns = 0;

/** `caddy run` for one site in a folder of its own, stopped (SIGTERM) when `use` returns or throws. */
async function withCaddy<T>(context: InteropContext, site: CaddySite, use: (caddy: RunningCaddy) => Promise<T>): Promise<T> {
  caddyRuns += 1;
  const home = join(context.workspace, "caddy", `${caddyRuns}-${site.name}`);
  const storage = join(home, "storage");
  await mkdir(storage, { recursive: true });
  const configPath = join(home, "caddy.json");
  const target = { directoryUrl: context.server.directoryUrl, rootCaPath: context.server.rootCaPath, http01Port: context.ports.http01, tlsAlpn01Port: context.ports.tlsAlpn01 };
  await writeFile(configPath, JSON.stringify(caddyConfig(target, site, storage), null, 2));
  const env = clientEnv({ HOME: home, XDG_CONFIG_HOME: join(home, "config"), XDG_DATA_HOME: join(home, "data"), XDG_CACHE_HOME: join(home, "cache") });
  const program = new RunningProgram("caddy", ["run", "--config", configPath], { cwd: home, env });
  let exit: string | null = null;
  void program.exited.then(({ code, signal }) => (exit = code !== null ? `exited with ${code}` : `was killed by ${signal ?? "an unknown cause"}`));
  const caddy: RunningCaddy = {
    storage,
    log: () => program.stderr,
    evidence: () => tail(program.stdout + program.stderr, 12),
    exit: () => exit,
  };
  try {
    return await use(caddy);
  } finally {
    await program.stop(5000);
  }
}

const pause = (ms: number): Promise<void> => new Promise((resolvePause) => setTimeout(resolvePause, ms));

/**
 * Wait until Caddy's HTTPS port serves, for `name`, a certificate that verifies against the
 * server's root and that `accept` takes; fail at once when Caddy logs that issuance failed.
 */
async function awaitServed(context: InteropContext, caddy: RunningCaddy, name: string, accept: (served: ServedCertificate) => boolean = () => true, timeoutMs = 30_000): Promise<ServedCertificate> {
  const deadline = performance.now() + timeoutMs;
  let last = "no handshake yet";
  for (;;) {
    const served = await servedCertificate(context.ports.tlsAlpn01, name, context.rootCa).catch((error: unknown) => {
      last = error instanceof Error ? error.message : String(error);
      return null;
    });
    if (served !== null) {
      if (accept(served)) return served;
      last = `it served serial ${served.serial}, not the certificate awaited`;
    }
    const failed = caddyIssuanceErrors(caddy.log()).at(-1);
    if (failed !== undefined) throw new ScenarioFailure(`caddy could not get a certificate: ${failed}`, caddy.evidence());
    const exit = caddy.exit();
    if (exit !== null) throw new ScenarioFailure(`caddy ${exit} before serving a certificate for ${name}`, caddy.evidence());
    if (performance.now() > deadline) throw new ScenarioFailure(`caddy served no certificate for ${name} within ${timeoutMs / 1000} s (last handshake: ${last})`, caddy.evidence());
    await pause(200);
  }
}

/** Wait for Caddy to log the server's refusal, and return the problem. */
async function awaitRefusal(caddy: RunningCaddy, timeoutMs = 30_000): Promise<AcmeError> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (caddyIssuanceErrors(caddy.log()).length > 0) {
      const problem = caddyLastProblem(caddy.log());
      if (problem === null) throw new ScenarioFailure("caddy failed without an ACME problem from the server", caddy.evidence());
      return problem;
    }
    const exit = caddy.exit();
    if (exit !== null) throw new ScenarioFailure(`caddy ${exit} before the server refused it`, caddy.evidence());
    if (performance.now() > deadline) throw new ScenarioFailure(`caddy logged no refusal within ${timeoutMs / 1000} s`, caddy.evidence());
    await pause(200);
  }
}

interface StoredCertificate extends IssuedCertificate {
  /** the certificates after the leaf in the chain Caddy serves, PEM each */
  readonly issuers: readonly string[];
}

/** What Caddy keeps in `storage` for the site: certificates/<issuer>/<name>/<name>.{crt,key}. */
async function checkStored(context: InteropContext, storage: string, site: CaddySite, expected: ExpectedKey): Promise<StoredCertificate> {
  const { name } = site;
  const root = join(storage, "certificates");
  const issuers = await readdir(root).catch((): string[] => []);
  const folders = await Promise.all(issuers.map(async (issuer) => ((await readdir(join(root, issuer)).catch((): string[] => [])).includes(name) ? [join(root, issuer, name)] : [])));
  const folder = folders.flat()[0];
  if (folder === undefined) throw new ScenarioFailure(`caddy stored no certificate for ${name} under ${root}`);
  const scratch = await scratchFile(context, `caddy-${name}`);
  // Caddy writes an Ed25519 key as PKCS#8 under the label "ED25519 PRIVATE KEY", which no
  // other tool reads; the DER inside is the standard "PRIVATE KEY" (RFC 5958).
  const key = (await readFile(join(folder, `${name}.key`), "utf8").catch(() => "")).replace(/-----(BEGIN|END) ED25519 PRIVATE KEY-----/g, "-----$1 PRIVATE KEY-----");
  await writeFile(`${scratch}.key`, key, { mode: 0o600 });
  // Caddy's .crt is the chain it serves, leaf first.
  const issued = await checkIssued(
    await fullChainFiles(join(folder, `${name}.crt`), `${scratch}.key`, scratch),
    // checkIssued compares dNSName and iPAddress SANs together with the names ordered.
    { rootCaPath: context.server.rootCaPath, names: [name], key: expected },
    scratch,
  );
  return { ...issued, issuers: pemCertificates(issued.chainPem) };
}

/** Certeasy's own view: the identifier was validated through `challenge`, and nothing else. */
function requireValidatedBy(context: InteropContext, name: string, challenge: Challenge): void {
  const types = validatedChallengeTypes(context.server.stderr(), name);
  if (types.length === 0 || types.some((type) => type !== challenge)) {
    throw new ScenarioFailure(`the server validated ${name} by ${types.join(", ") || "no challenge"}, expected ${challenge}`);
  }
}

/** Caddy gets a certificate for the site, serves it, and it is the one Caddy stored. */
function requireIssued(context: InteropContext, site: CaddySite, key: ExpectedKey): Promise<StoredCertificate> {
  return withCaddy(context, site, async (caddy) => {
    const served = await awaitServed(context, caddy, site.name);
    requireValidatedBy(context, site.name, site.challenge);
    const stored = await checkStored(context, caddy.storage, site, key);
    if (stored.serial !== served.serial) throw new ScenarioFailure(`caddy serves serial ${served.serial} but stored ${stored.serial}`);
    return stored;
  });
}

/** Caddy's attempt ends in the server's refusal, which `expected` must accept. */
function requireRefused(context: InteropContext, site: CaddySite, expected: (problem: AcmeError) => boolean, wanted: string): Promise<void> {
  return withCaddy(context, site, async (caddy) => {
    const problem = await awaitRefusal(caddy);
    if (!expected(problem)) throw new ScenarioFailure(`caddy got ${problem.type} "${problem.detail}", expected ${wanted}`, caddy.evidence());
  });
}

const issue = (context: InteropContext, name: string, site: CaddySite, key: ExpectedKey): Scenario => ({ name, run: async () => void (await requireIssued(context, site, key)) });

/** The same certificate, DER-compared: PEM line breaks and labels may differ. */
const sameCertificate = (a: string, b: string): boolean => new X509Certificate(a).raw.equals(new X509Certificate(b).raw);

const p256: ExpectedKey = { type: "ec", curve: "prime256v1" };

export function caddyScenarios(context: InteropContext): Scenario[] {
  const renewal: CaddySite = {
    name: "renew.caddy.test",
    challenge: "http-01",
    // Caddy renews once a third of the lifetime remains (ratio 1/3). Nearly 1 puts a fresh
    // certificate (90 days here) in the window within a second: the same renewal path, provoked
    // at once, with the maintenance loop checking every second instead of every 10 minutes.
    renewal: { windowRatio: 0.9999999, checkEvery: "1s" },
  };
  return [
    {
      name: "caddy http-01 issue (automatic HTTPS, ECDSA P-256, the default chain)",
      run: async () => {
        const stored = await requireIssued(context, { name: "http.caddy.test", challenge: "http-01" }, p256);
        // The server's default chain (RFC 8555 §7.4.2) is the issuing CA alone: Caddy keeps the first.
        if (stored.issuers.length !== 1) throw new ScenarioFailure(`caddy kept ${stored.issuers.length} certificate(s) after the leaf, expected the default chain: the issuing CA alone`);
      },
    },
    issue(context, "caddy tls-alpn-01 issue (http-01 disabled, ECDSA P-384)", { name: "tls.caddy.test", challenge: "tls-alpn-01", keyType: "p384" }, { type: "ec", curve: "secp384r1" }),
    issue(context, "caddy key_type ed25519 issue (Ed25519 leaf served over TLS)", { name: "ed25519.caddy.test", challenge: "http-01", keyType: "ed25519" }, { type: "ed25519" }),
    issue(context, "caddy ip identifier 127.0.0.1 over http-01 (RFC 8738)", { name: "127.0.0.1", challenge: "http-01" }, p256),
    {
      // RFC 8738 §6: the validation certificate for an IP address carries it as an iPAddress
      // SAN. Caddy 2.6 writes it as a dNSName ("127.0.0.1"); the server must refuse that.
      name: "caddy tls-alpn-01 for ip 127.0.0.1 refused (Caddy 2.6 puts the address in a dNSName, RFC 8738 §6)",
      run: () =>
        requireRefused(
          context,
          { name: "127.0.0.1", challenge: "tls-alpn-01" },
          (problem) => problem.type === "incorrectResponse" && /subjectAltName/.test(problem.detail) && /DNS:/.test(problem.detail),
          "incorrectResponse naming the dNSName SAN",
        ),
    },
    {
      // RFC 8555 §7.4.2: the server links the other chain with `Link: rel="alternate"`; Caddy
      // downloads every chain and keeps the largest when told not to keep the smallest.
      name: "caddy preferred_chains smallest false: serves the alternate chain (issuing CA + root)",
      run: async () => {
        const stored = await requireIssued(context, { name: "chain.caddy.test", challenge: "http-01", smallestChain: false }, p256);
        const root = stored.issuers.at(-1);
        if (stored.issuers.length !== 2 || root === undefined || !sameCertificate(root, context.rootCa)) {
          throw new ScenarioFailure(`caddy kept a chain of ${stored.issuers.length} certificate(s) after the leaf, expected the issuing CA then the server's root`);
        }
      },
    },
    {
      name: "caddy renews within its renewal window and serves the new certificate",
      run: async () => {
        const { first, renewed, storage } = await withCaddy(context, renewal, async (caddy) => {
          const before = await awaitServed(context, caddy, renewal.name);
          const after = await awaitServed(context, caddy, renewal.name, (served) => served.serial !== before.serial);
          return { first: before, renewed: after, storage: caddy.storage };
        });
        // Stopped: what Caddy stored last is complete (it may have renewed again meanwhile).
        const stored = await checkStored(context, storage, renewal, p256);
        if (stored.serial === first.serial) throw new ScenarioFailure(`caddy served a renewed certificate (serial ${renewed.serial}) but kept the first one (serial ${first.serial}) in its storage`);
      },
    },
    {
      name: "caddy key_type rsa2048 refused with badCSR",
      run: () =>
        requireRefused(
          context,
          { name: "rsa2048.caddy.test", challenge: "http-01", keyType: "rsa2048" },
          (problem) => problem.type === "badCSR" && /2048/.test(problem.detail) && /3072/.test(problem.detail),
          "badCSR naming 2048 and 3072 bits",
        ),
    },
  ];
}

/**
 * External Account Binding (RFC 8555 §7.3.4), against the server that requires it. Unlike lego
 * and certbot, Caddy does not stop at the directory's `externalAccountRequired`: it sends
 * newAccount without a binding, so the server's own refusal is what Caddy reports.
 */
export function caddyEabScenarios(context: InteropContext): Scenario[] {
  return [
    {
      name: "EAB required: caddy without external_account is refused with externalAccountRequired",
      run: () => requireRefused(context, { name: "no-eab.caddy.test", challenge: "http-01" }, (problem) => problem.type === "externalAccountRequired", "externalAccountRequired"),
    },
    {
      name: "EAB: caddy external_account (key_id, mac_key) issue",
      run: async () => {
        const externalAccount = await createEabKey(context, "interop caddy");
        await requireIssued(context, { name: "eab.caddy.test", challenge: "http-01", externalAccount }, p256);
      },
    },
  ];
}
