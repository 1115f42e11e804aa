/**
 * certbot (Debian's 2.1.0) against Certeasy: standalone http-01 on the validator's port, a
 * webroot served by the run, dns-01 through manual hooks (apex + wildcard), forced renewal with
 * and without `--reuse-key`, an operator's CSR, revocation by the account key, account contact
 * update and deactivation (RFC 8555 §7.3.2, §7.3.6), and what the default policy takes and
 * refuses (reference §2.3: RSA at least 3072 bits; no Must-Staple).
 *
 * Not here: `--preferred-chain`. certbot picks the first chain whose top certificate's issuer CN
 * matches; both chains the server offers (§7.4.2) end at the same root, so that is the default.
 */
import { cp, mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { lastAcmeError, type AcmeError } from "./acme-errors.js";
import { checkIssued, fullChainFiles, type ExpectedKey, type IssuedCertificate } from "./certificates.js";
import { writeCertbotDnsHooks } from "./client-hooks.js";
import { CONTACT_EMAIL, scratchFile, type InteropContext } from "./context.js";
import { opensslCsr } from "./operator-csr.js";
import { clientEnv, runProgram, type ProgramResult } from "./processes.js";
import { CRL_REASON, requireNotRevoked, requireRevoked, revocationCheckOf } from "./revocation.js";
import { ScenarioFailure, requireSuccess, tail, type Scenario } from "./scenario.js";
import { accountChanges, exportedEvents } from "./server-events.js";
import { withWebroot } from "./webroot.js";

export interface Certbot {
  run(verb: string, ...args: string[]): Promise<ProgramResult>;
  /** `--standalone` on the validator's http-01 port */
  readonly standalone: readonly string[];
  /** `certonly` with these authenticator flags, registering if needed; no `--cert-name` when `certName` is null (`--csr`) */
  obtain(certName: string | null, names: readonly string[], authenticator: readonly string[], extraArgs: readonly string[]): Promise<ProgramResult>;
  /** `certonly --standalone` on the validator's http-01 port, registering if needed */
  issue(certName: string, names: readonly string[], extraArgs: readonly string[]): Promise<ProgramResult>;
  /** check what certbot stored under `live/<certName>/` */
  check(certName: string, names: readonly string[], key: ExpectedKey): Promise<IssuedCertificate>;
  /** the debug log of the last run (certbot starts a new one per run) */
  lastLog(): Promise<string>;
  /** the folder of its config dir holding the accounts (key, registration) per server */
  readonly accountsFolder: string;
}

export async function certbot(context: InteropContext, folder = "certbot"): Promise<Certbot> {
  const root = join(context.workspace, folder);
  // An empty cli.ini of our own: certbot would otherwise read /etc/letsencrypt/cli.ini.
  const iniPath = join(context.workspace, `${folder}-cli.ini`);
  await writeFile(iniPath, "");
  const common = [
    "--config", iniPath,
    "--config-dir", join(root, "config"),
    "--work-dir", join(root, "work"),
    "--logs-dir", join(root, "logs"),
    "--non-interactive",
  ];
  // CHALLTESTSRV_URL: for the dns-01 manual hooks, which certbot runs in its own environment.
  const env = clientEnv({ REQUESTS_CA_BUNDLE: context.server.rootCaPath, CHALLTESTSRV_URL: context.dns.managementUrl });
  const run = (verb: string, ...rest: string[]): Promise<ProgramResult> => runProgram("certbot", [verb, ...common, ...rest], { env, timeoutMs: 90_000 });
  const live = (certName: string, file: string): string => join(root, "config", "live", certName, file);
  const standalone = ["--standalone", "--http-01-address", "127.0.0.1", "--http-01-port", String(context.ports.http01)];
  const obtain = (certName: string | null, names: readonly string[], authenticator: readonly string[], extraArgs: readonly string[]): Promise<ProgramResult> =>
    run(
      "certonly",
      ...authenticator,
      "--server", context.server.directoryUrl, "--agree-tos", "-m", CONTACT_EMAIL,
      ...(certName === null ? [] : ["--cert-name", certName]),
      ...extraArgs,
      ...names.flatMap((name) => ["-d", name]),
    );
  return {
    run,
    standalone,
    obtain,
    issue: (certName, names, extraArgs) => obtain(certName, names, standalone, extraArgs),
    accountsFolder: join(root, "config", "accounts"),
    check: async (certName, names, key) =>
      checkIssued(
        { leafPath: live(certName, "cert.pem"), chainPath: live(certName, "chain.pem"), keyPath: live(certName, "privkey.pem") },
        { rootCaPath: context.server.rootCaPath, names, key },
        await scratchFile(context, certName),
      ),
    lastLog: () => readFile(join(root, "logs", "letsencrypt.log"), "utf8").catch(() => ""),
  };
}

/** The problem the server answered, which certbot 2.1 only writes to its log (see below). */
export async function requireRefusal(client: Certbot, result: ProgramResult, what: string, expected: (error: AcmeError) => boolean, wanted: string): Promise<void> {
  if (result.code === 0) throw new ScenarioFailure(`${what} succeeded, expected the server to refuse it`, tail(result.stdout + result.stderr, 10));
  // certbot 2.1 on Python 3.11 prints "AttributeError: can't set attribute" instead of the
  // server's problem (certbot/certbot#9539, fixed in 2.2): the problem is read from its log.
  const error = lastAcmeError(await client.lastLog());
  if (error === null) throw new ScenarioFailure(`${what} failed without an ACME problem from the server`, tail(result.stdout + result.stderr, 10));
  if (!expected(error)) throw new ScenarioFailure(`${what}: the server answered ${error.type} "${error.detail}", expected ${wanted}`);
}

export async function certbotScenarios(context: InteropContext): Promise<Scenario[]> {
  const client = await certbot(context);
  const directory = context.server.directoryUrl;
  const ecdsaNames = ["certbot.test", "www.certbot.test"];
  const ecdsaKey: ExpectedKey = { type: "ec", curve: "prime256v1" };
  let ecdsa: IssuedCertificate | undefined;
  const needEcdsa = (): IssuedCertificate => {
    if (ecdsa === undefined) throw new ScenarioFailure('needs the certificate of "certbot http-01 issue (ECDSA P-256, 2 names)", which failed');
    return ecdsa;
  };
  const p384Names = ["p384.certbot.test"];
  const p384Key: ExpectedKey = { type: "ec", curve: "secp384r1" };
  let p384: IssuedCertificate | undefined;
  const needP384 = (): IssuedCertificate => {
    if (p384 === undefined) throw new ScenarioFailure("needs the certificate of the secp384r1 --reuse-key issue, which failed");
    return p384;
  };
  const spki = (issued: IssuedCertificate): Buffer => issued.leaf.publicKey.export({ type: "spki", format: "der" });
  // Account management gets a certbot of its own: unregister deletes the account files.
  const accounts = await certbot(context, "certbot-accounts");

  return [
    {
      name: "certbot http-01 issue (ECDSA P-256, 2 names)",
      run: async () => {
        requireSuccess(await client.issue("certbot-ecdsa", ecdsaNames, ["--key-type", "ecdsa", "--elliptic-curve", "secp256r1"]), "certbot certonly");
        ecdsa = await client.check("certbot-ecdsa", ecdsaNames, ecdsaKey);
      },
    },
    {
      name: "certbot renew --force-renewal",
      run: async () => {
        const before = needEcdsa();
        requireSuccess(await client.run("renew", "--cert-name", "certbot-ecdsa", "--force-renewal", "--no-random-sleep-on-renew"), "certbot renew");
        const renewed = await client.check("certbot-ecdsa", ecdsaNames, ecdsaKey);
        if (renewed.serial === before.serial) throw new ScenarioFailure(`certbot renew kept the old certificate (serial ${before.serial})`);
        ecdsa = renewed;
      },
    },
    {
      name: "certbot revoke --reason keycompromise",
      run: async () => {
        const revocation = await revocationCheckOf(context, needEcdsa(), "certbot-revoke");
        await requireNotRevoked(revocation);
        const revoke = (): Promise<ProgramResult> =>
          client.run("revoke", "--server", directory, "--cert-name", "certbot-ecdsa", "--reason", "keycompromise", "--no-delete-after-revoke");
        requireSuccess(await revoke(), "certbot revoke");
        await requireRevoked(revocation, CRL_REASON.keyCompromise);
        // RFC 8555 §7.6: revoking it again is refused with alreadyRevoked.
        await requireRefusal(client, await revoke(), "a second certbot revoke", (error) => error.type === "alreadyRevoked", "alreadyRevoked");
      },
    },
    {
      name: "certbot http-01 issue (RSA 3072)",
      run: async () => {
        requireSuccess(await client.issue("certbot-rsa", ["rsa.certbot.test"], ["--key-type", "rsa", "--rsa-key-size", "3072"]), "certbot certonly");
        await client.check("certbot-rsa", ["rsa.certbot.test"], { type: "rsa", bits: 3072 });
      },
    },
    {
      name: "certbot RSA 2048 (its default RSA size) refused with badCSR",
      run: async () => {
        const result = await client.issue("certbot-rsa2048", ["rsa2048.certbot.test"], ["--key-type", "rsa"]);
        await requireRefusal(client, result, "certbot certonly with a 2048-bit RSA key", (error) => error.type === "badCSR" && /2048/.test(error.detail) && /3072/.test(error.detail), "badCSR naming 2048 and 3072 bits");
      },
    },
    {
      // RFC 8555 §7.1.3, §8.4: the apex and its wildcard each get a dns-01 challenge at the
      // same name; certbot's hooks publish both values through the run's DNS server.
      name: "certbot dns-01 --manual with auth/cleanup hooks: apex + wildcard",
      run: async () => {
        const hooks = await writeCertbotDnsHooks(context.workspace, context.dnsHookPath);
        const names = ["manual.certbot.test", "*.manual.certbot.test"];
        const manual = ["--manual", "--preferred-challenges", "dns", "--manual-auth-hook", hooks.auth, "--manual-cleanup-hook", hooks.cleanup];
        requireSuccess(await client.obtain("certbot-manual", names, manual, []), "certbot certonly --manual (dns-01)");
        await client.check("certbot-manual", names, ecdsaKey);
      },
    },
    {
      // The site's own web server answers http-01 (RFC 8555 §8.3) from the files certbot
      // writes under <webroot>/.well-known/acme-challenge/ and removes afterwards.
      name: "certbot --webroot -w: the validator fetches the tokens from the site's webroot",
      run: async () => {
        const webrootPath = join(context.workspace, "certbot-site");
        const challengeFolder = join(webrootPath, ".well-known", "acme-challenge");
        const names = ["webroot.certbot.test", "www.webroot.certbot.test"];
        const fetched = await withWebroot(challengeFolder, context.ports.http01, async (webroot) => {
          requireSuccess(await client.obtain("certbot-webroot", names, ["--webroot", "-w", webrootPath], []), "certbot certonly --webroot");
          return webroot.requested.filter((path) => path.startsWith("/.well-known/acme-challenge/")).length;
        });
        if (fetched < names.length) throw new ScenarioFailure(`the validator fetched ${fetched} token(s) from the webroot, expected ${names.length}`);
        await client.check("certbot-webroot", names, ecdsaKey);
        const left = await readdir(challengeFolder);
        if (left.length > 0) throw new ScenarioFailure(`certbot left ${left.length} token file(s) in the webroot: ${left.join(", ")}`);
      },
    },
    {
      name: "certbot --key-type ecdsa --elliptic-curve secp384r1 --reuse-key issue (ECDSA P-384)",
      run: async () => {
        requireSuccess(await client.issue("certbot-p384", p384Names, ["--key-type", "ecdsa", "--elliptic-curve", "secp384r1", "--reuse-key"]), "certbot certonly");
        p384 = await client.check("certbot-p384", p384Names, p384Key);
      },
    },
    {
      // --reuse-key is stored in the lineage's renewal config: the operator's pinned key
      // (HPKP-style, DANE TLSA 3 1 1) survives renewal.
      name: "certbot renew --reuse-key: same public key, new serial",
      run: async () => {
        const before = needP384();
        requireSuccess(await client.run("renew", "--cert-name", "certbot-p384", "--force-renewal", "--no-random-sleep-on-renew"), "certbot renew");
        const renewed = await client.check("certbot-p384", p384Names, p384Key);
        if (renewed.serial === before.serial) throw new ScenarioFailure(`certbot renew kept the old certificate (serial ${before.serial})`);
        if (!spki(renewed).equals(spki(before))) throw new ScenarioFailure("the renewed certificate is for a new key although the lineage has --reuse-key");
      },
    },
    {
      // The default policy takes no TLS Feature extension (RFC 7633): the server has no OCSP
      // responder to staple from.
      name: "certbot --must-staple refused with badCSR naming Must-Staple",
      run: async () => {
        const result = await client.issue("certbot-staple", ["staple.certbot.test"], ["--must-staple"]);
        await requireRefusal(client, result, "certbot certonly --must-staple", (error) => error.type === "badCSR" && /Must-Staple/.test(error.detail), "badCSR naming Must-Staple");
      },
    },
    {
      // An operator's CSR (key kept elsewhere): certbot only orders and downloads, writing
      // where --cert-path, --chain-path and --fullchain-path say, with no lineage of its own.
      name: "certbot certonly --csr (openssl, ECDSA P-256, SAN): cert, chain and fullchain where told",
      run: async () => {
        const folder = join(context.workspace, "certbot-csr");
        await mkdir(folder, { recursive: true });
        const names = ["csr.certbot.test", "www.csr.certbot.test"];
        const { csrPath, keyPath } = await opensslCsr(folder, "csr", names, { type: "ec", curve: "P-256" });
        const paths = { cert: join(folder, "cert.pem"), chain: join(folder, "chain.pem"), fullchain: join(folder, "fullchain.pem") };
        const result = await client.obtain(null, [], client.standalone, ["--csr", csrPath, "--cert-path", paths.cert, "--chain-path", paths.chain, "--fullchain-path", paths.fullchain]);
        requireSuccess(result, "certbot certonly --csr");
        const expectation = { rootCaPath: context.server.rootCaPath, names, key: ecdsaKey };
        const issued = await checkIssued({ leafPath: paths.cert, chainPath: paths.chain, keyPath }, expectation, await scratchFile(context, "certbot-csr"));
        const scratch = await scratchFile(context, "certbot-csr-fullchain");
        const full = await checkIssued(await fullChainFiles(paths.fullchain, keyPath, scratch), expectation, scratch);
        if (full.serial !== issued.serial || full.chainPem !== issued.chainPem) throw new ScenarioFailure("fullchain.pem is not cert.pem followed by chain.pem");
      },
    },
    {
      // RFC 8555 §7.3.2: the contact is replaced; show_account asks the server (POST-as-GET
      // to the account URL), so what it prints is the server's account object.
      name: "certbot update_account -m: show_account and the server's account events show the new contact",
      run: async () => {
        requireSuccess(await accounts.run("register", "--server", directory, "--agree-tos", "-m", CONTACT_EMAIL, "--no-eff-email"), "certbot register");
        requireSuccess(await accounts.run("update_account", "--server", directory, "-m", NEW_CONTACT, "--no-eff-email"), "certbot update_account");
        const shown = await showAccount(accounts, directory);
        if (shown.emails !== NEW_CONTACT) throw new ScenarioFailure(`certbot show_account prints "${shown.emails}" as the contact, expected ${NEW_CONTACT}`);
        const changes = accountChanges(await exportedEvents(context), shown.accountId);
        const last = changes.at(-1);
        if (last?.kind !== "updated" || last.contact?.join(",") !== `mailto:${NEW_CONTACT}`) {
          throw new ScenarioFailure(`the server's last event for account ${shown.accountId} is ${last === undefined ? "none" : `${last.kind} ${JSON.stringify(last.contact)}`}, expected updated ["mailto:${NEW_CONTACT}"]`);
        }
      },
    },
    {
      // RFC 8555 §7.3.6: certbot deletes its account files after deactivating; an operator who
      // kept a copy (a backup, another host) is refused with unauthorized at the next order.
      name: "certbot unregister: the kept account's next order refused with unauthorized; register again works",
      run: async () => {
        const { accountId } = await showAccount(accounts, directory);
        const kept = join(context.workspace, "certbot-accounts-kept");
        await cp(accounts.accountsFolder, kept, { recursive: true });
        requireSuccess(await accounts.run("unregister", "--server", directory), "certbot unregister");
        const last = accountChanges(await exportedEvents(context), accountId).at(-1);
        if (last?.kind !== "deactivated") throw new ScenarioFailure(`the server's last event for account ${accountId} is ${last?.kind ?? "none"}, expected deactivated`);
        await rm(accounts.accountsFolder, { recursive: true, force: true });
        await cp(kept, accounts.accountsFolder, { recursive: true });
        const refused = await accounts.issue("certbot-deactivated", ["deactivated.certbot.test"], []);
        await requireRefusal(accounts, refused, "certbot certonly with the deactivated account", (error) => error.type === "unauthorized", "unauthorized");
        await rm(accounts.accountsFolder, { recursive: true, force: true });
        requireSuccess(await accounts.run("register", "--server", directory, "--agree-tos", "-m", CONTACT_EMAIL, "--no-eff-email"), "certbot register (again)");
        const fresh = await showAccount(accounts, directory);
        if (fresh.accountId === accountId) throw new ScenarioFailure(`certbot register got the deactivated account ${accountId} back`);
        requireSuccess(await accounts.issue("certbot-reregistered", ["again.certbot.test"], []), "certbot certonly with the new account");
        await accounts.check("certbot-reregistered", ["again.certbot.test"], ecdsaKey);
      },
    },
  ];
}

/** A second address for update_account, under .test like the run's contact. */
const NEW_CONTACT = "security@example.test";

interface ShownAccount {
  readonly accountId: string;
  /** the `Email contact(s):` value, `none` for no mailto contact */
  readonly emails: string;
}

/**
 * What `certbot show_account` prints (2.1): `Account URL: <url>` and `Email contact: <a>` (or
 * `Email contacts: <a>, <b>`, or `none`); the account id is the URL's last path segment.
 */
export function parseShowAccount(output: string): ShownAccount | null {
  const url = /^\s*Account URL: (\S+)\s*$/m.exec(output)?.[1];
  const emails = /^\s*Email contacts?: (.*?)\s*$/m.exec(output)?.[1];
  const accountId = url?.split("/").at(-1);
  return accountId === undefined || accountId === "" || emails === undefined ? null : { accountId, emails };
}

async function showAccount(client: Certbot, directory: string): Promise<ShownAccount> {
  const result = await client.run("show_account", "--server", directory);
  requireSuccess(result, "certbot show_account");
  const shown = parseShowAccount(result.stdout + result.stderr);
  if (shown === null) throw new ScenarioFailure("certbot show_account printed no account URL and contact", tail(result.stdout + result.stderr, 10));
  return shown;
}
