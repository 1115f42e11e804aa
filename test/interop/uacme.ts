/**
 * uacme (Debian's 1.7.4, C with libcurl and GnuTLS) against Certeasy: a new account with an EC
 * key, issuance through a hook script for http-01 (a file in the run's webroot) and dns-01 (a
 * wildcard, RFC 8555 §7.1.3), revocation signed by the certificate's own key (§7.6), an
 * account key rollover (§7.3.5) after which the old key names no account and the new one
 * revokes, and account deactivation (§7.3.6), after which the server refuses it.
 *
 * uacme has no option for the CA to trust: libcurl reads the system store, /etc/ssl/certs.
 * Each uacme runs in a private mount namespace (namespace.ts) where that folder is the run's
 * own, holding only Certeasy's root; the machine's store is never touched.
 */
import { copyFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { requireProblem } from "./acme-errors.js";
import { writeUacmeHook } from "./client-hooks.js";
import { checkIssued, describePrivateKey, fullChainFiles, pemCertificates, type ExpectedKey, type IssuedCertificate } from "./certificates.js";
import { CONTACT_EMAIL, scratchFile, type InteropContext } from "./context.js";
import { createEabKey } from "./eab.js";
import { namespacedArgs } from "./namespace.js";
import { clientEnv, runProgram, type ProgramResult } from "./processes.js";
import { CRL_REASON, requireNotRevoked, requireRevoked, revocationCheckOf } from "./revocation.js";
import { ScenarioFailure, requireSuccess, tail, type Scenario } from "./scenario.js";
import { withWebroot } from "./webroot.js";

/** The system CA folder libcurl-gnutls reads (Debian's CURLOPT_CAINFO and CURLOPT_CAPATH). */
const SYSTEM_CA_FOLDER = "/etc/ssl/certs";

export interface Uacme {
  /** `uacme -v -a <directory> -c <confdir> <args…>`, `env` added for the hook */
  run(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<ProgramResult>;
  /** check the certificate uacme filed for `names[0]` (wildcard `*.` dropped, as uacme does) */
  check(names: readonly string[], key: ExpectedKey): Promise<IssuedCertificate>;
  readonly confdir: string;
  /** `<confdir>/<name>/cert.pem`: leaf and chain in one file */
  certPath(name: string): string;
  /** `<confdir>/private/<name>/key.pem` */
  certKeyPath(name: string): string;
}

/** The folder that stands for /etc/ssl/certs in uacme's namespace: the root, under Debian's bundle name. */
async function trustFolder(context: InteropContext): Promise<string> {
  const folder = join(context.workspace, "uacme-trust");
  await mkdir(folder, { recursive: true });
  await copyFile(context.server.rootCaPath, join(folder, "ca-certificates.crt"));
  return folder;
}

export async function uacme(context: InteropContext, folder: string): Promise<Uacme> {
  const confdir = join(context.workspace, folder);
  const mounts = [{ source: await trustFolder(context), target: SYSTEM_CA_FOLDER }];
  const certPath = (name: string): string => join(confdir, name.replace(/^\*\./, ""), "cert.pem");
  const certKeyPath = (name: string): string => join(confdir, "private", name.replace(/^\*\./, ""), "key.pem");
  return {
    confdir,
    certPath,
    certKeyPath,
    run: (args, env = {}) =>
      runProgram(
        "unshare",
        namespacedArgs(mounts, "uacme", ["-v", "-a", context.server.directoryUrl, "-c", confdir, ...args]),
        { env: clientEnv({ CHALLTESTSRV_URL: context.dns.managementUrl, ...env }), timeoutMs: 90_000 },
      ),
    check: async (names, key) => {
      const scratch = await scratchFile(context, `uacme-${names[0] ?? ""}`);
      const files = await fullChainFiles(certPath(names[0] ?? ""), certKeyPath(names[0] ?? ""), scratch);
      return checkIssued(files, { rootCaPath: context.server.rootCaPath, names, key }, scratch);
    },
  };
}

export async function uacmeScenarios(context: InteropContext): Promise<Scenario[]> {
  const client = await uacme(context, "uacme");
  const hook = await writeUacmeHook(join(context.workspace, "uacme-hook"), context.dnsHookPath);
  const webrootFolder = join(context.workspace, "uacme-webroot");
  const accountKey = join(client.confdir, "private", "key.pem");
  const httpNames = ["uacme.test", "www.uacme.test"];
  const wildNames = ["wild.uacme.test", "*.wild.uacme.test"];
  const issued = new Map<string, IssuedCertificate>();
  const need = (name: string, scenario: string): IssuedCertificate => {
    const certificate = issued.get(name);
    if (certificate === undefined) throw new ScenarioFailure(`needs the certificate of "${scenario}", which failed`);
    return certificate;
  };
  const httpScenario = "uacme http-01 issue (hook + webroot, ECDSA P-256, 2 names)";
  const wildScenario = "uacme dns-01 wildcard (hook, apex + *.apex, RSA 3072)";

  return [
    {
      name: "uacme new (ECDSA P-256 account key)",
      run: async () => {
        const result = await client.run(["-t", "EC", "-y", "new", CONTACT_EMAIL]);
        requireSuccess(result, "uacme new");
        if (!/account created at https:\/\//.test(result.stderr)) throw new ScenarioFailure("uacme new did not report the account the server created", tail(result.stderr, 10));
        const key = describePrivateKey(await readFile(accountKey, "utf8"));
        if (key !== "ec prime256v1") throw new ScenarioFailure(`uacme's account key is ${key}, expected ec prime256v1`);
      },
    },
    {
      name: httpScenario,
      run: async () => {
        const webroot = await withWebroot(webrootFolder, context.ports.http01, async (served) => {
          requireSuccess(await client.run(["-t", "EC", "-h", hook, "issue", ...httpNames], { INTEROP_CHALLENGE: "http-01", INTEROP_WEBROOT: webrootFolder }), "uacme issue (http-01)");
          return served;
        });
        const fetched = webroot.requested.filter((path) => path.startsWith("/.well-known/acme-challenge/")).length;
        if (fetched < httpNames.length) throw new ScenarioFailure(`the validator fetched ${fetched} http-01 token(s) from the webroot, expected ${httpNames.length}`);
        issued.set("http", await client.check(httpNames, { type: "ec", curve: "prime256v1" }));
      },
    },
    {
      // RFC 8738: uacme orders an `ip` identifier; the validator fetches the token from the address itself.
      name: "uacme http-01 issue for an IP address (RFC 8738, 127.0.0.1)",
      run: async () => {
        const names = ["127.0.0.1"];
        await withWebroot(webrootFolder, context.ports.http01, async () => {
          requireSuccess(await client.run(["-t", "EC", "-h", hook, "issue", ...names], { INTEROP_CHALLENGE: "http-01", INTEROP_WEBROOT: webrootFolder }), "uacme issue 127.0.0.1");
        });
        await client.check(names, { type: "ec", curve: "prime256v1" });
      },
    },
    {
      // Certeasy offers the chain up to the root as an alternate; uacme finds it by reading
      // `Link: <url>;rel="alternate"` one header line at a time.
      name: "uacme -l 1 downloads the alternate chain (RFC 8555 §7.4.2)",
      run: async () => {
        const names = ["chain.uacme.test"];
        const result = await client.run(["-t", "EC", "-l", "1", "-h", hook, "issue", ...names], { INTEROP_CHALLENGE: "dns-01" });
        requireSuccess(result, "uacme issue -l 1");
        if (/falling back to default/.test(result.stderr)) throw new ScenarioFailure("uacme did not find the alternate chain's link and kept the default chain", tail(result.stderr, 10));
        await client.check(names, { type: "ec", curve: "prime256v1" });
        const chain = pemCertificates(await readFile(client.certPath(names[0] ?? ""), "utf8"));
        const root = pemCertificates(context.rootCa)[0]?.replace(/\s+/g, "");
        if (chain.length !== 3 || chain[2]?.replace(/\s+/g, "") !== root) throw new ScenarioFailure(`uacme saved ${chain.length} certificate(s), expected the alternate chain: leaf, issuing CA and the root`);
      },
    },
    {
      // -t/-b apply to keys uacme creates: the account key stays, the certificate key is RSA.
      name: wildScenario,
      run: async () => {
        requireSuccess(await client.run(["-t", "RSA", "-b", "3072", "-h", hook, "issue", ...wildNames], { INTEROP_CHALLENGE: "dns-01" }), "uacme issue (dns-01)");
        issued.set("wild", await client.check(wildNames, { type: "rsa", bits: 3072 }));
      },
    },
    {
      // uacme's default certificate key; the default policy wants 3072 bits (reference §2.3).
      name: "uacme RSA 2048 (its default key) refused with badCSR",
      run: async () => {
        const result = await client.run(["-h", hook, "issue", "rsa2048.uacme.test"], { INTEROP_CHALLENGE: "dns-01" });
        const { detail } = requireProblem(result, "uacme issue with a 2048-bit RSA key", "badCSR");
        if (!/2048/.test(detail) || !/3072/.test(detail)) throw new ScenarioFailure(`the badCSR detail does not name 2048 and 3072 bits: "${detail}"`);
      },
    },
    {
      // The embedded CA publishes CRLs, no OCSP: a certificate a TLS server could never staple for is refused.
      name: "uacme -m (OCSP Must-Staple) refused with badCSR",
      run: async () => {
        const result = await client.run(["-t", "EC", "-m", "-h", hook, "issue", "staple.uacme.test"], { INTEROP_CHALLENGE: "dns-01" });
        const { detail } = requireProblem(result, "uacme issue -m", "badCSR");
        if (!/Must-Staple/.test(detail)) throw new ScenarioFailure(`the badCSR detail does not name the Must-Staple extension: "${detail}"`);
      },
    },
    {
      name: "uacme revoke -r 1 signed by the certificate's key (keyCompromise)",
      run: async () => {
        const check = await revocationCheckOf(context, need("http", httpScenario), "uacme-revoke-certkey");
        await requireNotRevoked(check);
        const name = httpNames[0] ?? "";
        requireSuccess(await client.run(["-r", String(CRL_REASON.keyCompromise), "revoke", client.certPath(name), client.certKeyPath(name)]), "uacme revoke with the certificate key");
        await requireRevoked(check, CRL_REASON.keyCompromise);
      },
    },
    {
      name: "uacme newkey (account key rollover to P-384): the old key names no account",
      run: async () => {
        // The old key, kept in a confdir of its own to ask the server about it afterwards.
        const old = await uacme(context, "uacme-old-key");
        await mkdir(join(old.confdir, "private"), { recursive: true });
        await copyFile(accountKey, join(old.confdir, "private", "key.pem"));
        requireSuccess(await client.run(["-t", "EC", "-b", "384", "newkey"]), "uacme newkey");
        const key = describePrivateKey(await readFile(accountKey, "utf8"));
        if (key !== "ec secp384r1") throw new ScenarioFailure(`after newkey uacme's account key is ${key}, expected ec secp384r1`);
        // The new key finds the account (newAccount with onlyReturnExisting, then an update).
        requireSuccess(await client.run(["update", CONTACT_EMAIL]), "uacme update with the new account key");
        // A second -v prints the server's answers; -n: uacme must not make a new account for the old key.
        requireProblem(await old.run(["-v", "-n", "update", CONTACT_EMAIL]), "uacme update with the old account key", "accountDoesNotExist");
      },
    },
    {
      name: "uacme revoke -r 4 signed by the rolled-over account key (superseded)",
      run: async () => {
        const check = await revocationCheckOf(context, need("wild", wildScenario), "uacme-revoke-account");
        await requireNotRevoked(check);
        requireSuccess(await client.run(["-r", String(CRL_REASON.superseded), "revoke", client.certPath(wildNames[0] ?? "")]), "uacme revoke with the account key");
        await requireRevoked(check, CRL_REASON.superseded);
      },
    },
    {
      name: "uacme deactivate, then its account refused with unauthorized",
      run: async () => {
        requireSuccess(await client.run(["deactivate"]), "uacme deactivate");
        const result = await client.run(["-h", hook, "issue", "refused.uacme.test"], { INTEROP_CHALLENGE: "dns-01" });
        requireProblem(result, "uacme issue with a deactivated account", "unauthorized");
      },
    },
  ];
}

/** RFC 8555 §7.3.4 against a server that requires it: `uacme -e KEYID:KEY new`, then an issue. */
export function uacmeEabScenario(context: InteropContext): Scenario {
  return {
    name: "EAB: uacme -e KEYID:KEY new, then dns-01 issue",
    run: async () => {
      const { keyId, hmacKey } = await createEabKey(context, "interop uacme");
      const client = await uacme(context, "uacme-eab");
      const hook = await writeUacmeHook(join(context.workspace, "uacme-eab-hook"), context.dnsHookPath);
      requireSuccess(await client.run(["-t", "EC", "-y", "-e", `${keyId}:${hmacKey}`, "new", CONTACT_EMAIL]), "uacme new with EAB");
      const names = ["eab.uacme.test"];
      requireSuccess(await client.run(["-t", "EC", "-h", hook, "issue", ...names], { INTEROP_CHALLENGE: "dns-01" }), "uacme issue with an EAB account");
      await client.check(names, { type: "ec", curve: "prime256v1" });
    },
  };
}
