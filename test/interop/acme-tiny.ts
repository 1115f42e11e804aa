/**
 * acme-tiny (Debian's 5.0.1, one Python file on urllib, signing with `openssl dgst`) against
 * Certeasy, run the way its README says: an RSA account key (so RS256, RFC 8555 §6.2), a CSR
 * made with `openssl req`, a `--acme-dir` an existing web server serves at
 * /.well-known/acme-challenge/ (here the run's webroot), the chain PEM on stdout. It only knows
 * http-01 (§8.3) and dns identifiers, registers on every run (newAccount, §7.3, answering 200
 * for a known key) and never revokes nor deactivates.
 *
 * Trust: Python's ssl module loads OpenSSL's default paths, which SSL_CERT_FILE overrides: set
 * to the run's root alone. acme-tiny's self-check fetches each token from
 * `http://<name>:<--check-port>/…` through the system resolver before it answers the
 * challenge; it stays on: acme-tiny runs in a private mount namespace (namespace.ts) whose
 * /etc/hosts, the run's own, resolves the scenario's names (and localhost) to 127.0.0.1, so the
 * self-check reaches the same webroot the validator dials.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { requireProblem } from "./acme-errors.js";
import { checkIssued, fullChainFiles, type ExpectedKey, type IssuedCertificate } from "./certificates.js";
import { CONTACT_EMAIL, scratchFile, type InteropContext } from "./context.js";
import { generateKey } from "./lacme.js";
import type { KeySpec } from "./lacme-config.js";
import { namespacedArgs } from "./namespace.js";
import { opensslCsr } from "./operator-csr.js";
import { clientEnv, runProgram, type ProgramResult } from "./processes.js";
import { ScenarioFailure, requireSuccess, tail, type Scenario } from "./scenario.js";
import { exportedEvents, registeredAccounts, rsaThumbprint } from "./server-events.js";
import { withWebroot, type Webroot } from "./webroot.js";

/** What acme-tiny logs after newAccount: `Registered!` on 201, `Already registered!` on 200 (§7.3.1). */
const ACCOUNT_LINE = /^(Registered!|Already registered!) Account ID: (\S+)$/m;

/** acme-tiny's traceback when an authorization has no http-01 challenge: `[c for c in … if c['type'] == "http-01"][0]` */
const NO_HTTP01_CHALLENGE = /if c\['type'\] == "http-01"\]\[0\][\s\S]*\nIndexError: list index out of range\s*$/;

/** True when acme-tiny stopped because an authorization offered no http-01 challenge. */
export function stoppedForWantOfHttp01(stderr: string): boolean {
  return NO_HTTP01_CHALLENGE.test(stderr);
}

export interface AcmeTinyAccount {
  /** true when the server answered 201 (a new account), false on 200 (the key's existing one) */
  readonly created: boolean;
  readonly url: string;
}

/** The account acme-tiny's log names, or null when it got no answer to newAccount. */
export function parseAccountLine(stderr: string): AcmeTinyAccount | null {
  const match = ACCOUNT_LINE.exec(stderr);
  return match === null ? null : { created: match[1] === "Registered!", url: match[2] ?? "" };
}

/** The `/etc/hosts` of acme-tiny's namespace: localhost (the directory URL's host) and `names`, on IPv4 loopback. */
export function hostsFile(names: readonly string[]): string {
  return `127.0.0.1\tlocalhost\n${names.map((name) => `127.0.0.1\t${name}\n`).join("")}`;
}

export interface AcmeTinyRun {
  readonly result: ProgramResult;
  /** the validator's and the self-check's requests to the webroot */
  readonly webroot: Webroot;
}

export interface AcmeTiny {
  /** acme-tiny for one CSR, the webroot up meanwhile; `contact` adds `--contact mailto:…` */
  run(csrPath: string, options?: { readonly contact?: boolean }): Promise<AcmeTinyRun>;
  /** a key (`openssl genpkey`) and a CSR for `names`: subjectAltName, or the first name as CN only (`cnOnly`) */
  csr(label: string, names: readonly string[], key: KeySpec, options?: { readonly cnOnly?: boolean }): Promise<{ csrPath: string; keyPath: string }>;
  /** write what acme-tiny printed on stdout and check it as the certificate of `keyPath` for `names` */
  check(label: string, stdout: string, keyPath: string, names: readonly string[], key: ExpectedKey): Promise<IssuedCertificate>;
  readonly accountKeyPath: string;
}

/**
 * An acme-tiny with its own folder, hosts file for `names` and account key: RSA 2048, made at
 * its first run (inside a scenario, so a failing openssl fails that line, not the run). Its
 * README makes 4096 bits; 2048 keeps the run quick and is the smallest the server takes.
 */
export async function acmeTiny(context: InteropContext, folder: string, names: readonly string[]): Promise<AcmeTiny> {
  const base = join(context.workspace, folder);
  const acmeDir = join(base, "acme-challenge");
  await mkdir(acmeDir, { recursive: true });
  const accountKeyPath = join(base, "account.key");
  let accountKey: Promise<void> | undefined;
  const hosts = join(base, "hosts");
  await writeFile(hosts, hostsFile(names));
  const mounts = [{ source: hosts, target: "/etc/hosts" }];
  const env = clientEnv({ SSL_CERT_FILE: context.server.rootCaPath });
  return {
    accountKeyPath,
    run: (csrPath, options = {}) =>
      withWebroot(acmeDir, context.ports.http01, async (webroot) => {
        await (accountKey ??= generateKey(accountKeyPath, { type: "rsa", bits: 2048 }));
        const args = ["--account-key", accountKeyPath, "--csr", csrPath, "--acme-dir", acmeDir, "--directory-url", context.server.directoryUrl, "--check-port", String(context.ports.http01)];
        if (options.contact === true) args.push("--contact", `mailto:${CONTACT_EMAIL}`);
        const result = await runProgram("unshare", namespacedArgs(mounts, "acme-tiny", args), { env, timeoutMs: 90_000 });
        return { result, webroot };
      }),
    csr: (label, csrNames, key, options = {}) => opensslCsr(base, label, csrNames, key, options),
    check: async (label, stdout, keyPath, checkNames, key) => {
      const chainPath = join(base, `${label}.chain.pem`);
      await writeFile(chainPath, stdout);
      const scratch = await scratchFile(context, `acme-tiny-${label}`);
      return checkIssued(await fullChainFiles(chainPath, keyPath, scratch), { rootCaPath: context.server.rootCaPath, names: checkNames, key }, scratch);
    },
  };
}

/** The validator (and acme-tiny's self-check) must have fetched a token for each name. */
function requireTokensFetched(webroot: Webroot, names: readonly string[]): void {
  const tokens = new Set(webroot.requested.filter((path) => path.startsWith("/.well-known/acme-challenge/")));
  if (tokens.size < names.length) throw new ScenarioFailure(`${tokens.size} http-01 token(s) were fetched from the webroot, expected ${names.length}`);
}

function requireAccountLine(result: ProgramResult, what: string): AcmeTinyAccount {
  const account = parseAccountLine(result.stderr);
  if (account === null) throw new ScenarioFailure(`${what}: acme-tiny logged no account`, tail(result.stderr, 10));
  return account;
}

export async function acmeTinyScenarios(context: InteropContext): Promise<Scenario[]> {
  const sanNames = ["acme-tiny.test", "www.acme-tiny.test"];
  const cnName = "cn.acme-tiny.test";
  const wildName = "wild.acme-tiny.test";
  const client = await acmeTiny(context, "acme-tiny", [...sanNames, cnName, "rsa2048.acme-tiny.test"]);
  const p256 = { type: "ec", curve: "prime256v1" } as const;
  const first: { account?: AcmeTinyAccount; issued?: IssuedCertificate; csrPath?: string; keyPath?: string } = {};
  const issueScenario = "acme-tiny register --contact + http-01 issue (RSA account key, RS256; SAN CSR, ECDSA P-256, 2 names; self-check on)";

  return [
    {
      name: issueScenario,
      run: async () => {
        const { csrPath, keyPath } = await client.csr("san", sanNames, { type: "ec", curve: "P-256" });
        const { result, webroot } = await client.run(csrPath, { contact: true });
        requireSuccess(result, "acme-tiny");
        requireTokensFetched(webroot, sanNames);
        const account = requireAccountLine(result, "acme-tiny");
        if (!account.created) throw new ScenarioFailure(`the server answered newAccount for a new key as for a known one ("Already registered!")`);
        // --contact: the account the server registered for this key names it (§7.3).
        const [registered, ...again] = registeredAccounts(await exportedEvents(context), rsaThumbprint(await readFile(client.accountKeyPath, "utf8")));
        if (registered === undefined || again.length > 0) throw new ScenarioFailure(`the server recorded ${again.length + (registered === undefined ? 0 : 1)} account(s) for acme-tiny's key, expected 1`);
        if (!account.url.endsWith(`/${registered.accountId}`)) throw new ScenarioFailure(`acme-tiny's account ${account.url} is not the one the server registered (${registered.accountId})`);
        if (JSON.stringify(registered.contact) !== JSON.stringify([`mailto:${CONTACT_EMAIL}`])) throw new ScenarioFailure(`the account's contact is ${JSON.stringify(registered.contact)}, expected mailto:${CONTACT_EMAIL}`);
        Object.assign(first, { account, csrPath, keyPath, issued: await client.check("san", result.stdout, keyPath, sanNames, p256) });
      },
    },
    {
      // The README's CSR: `-subj "/CN=yoursite.com"`, no subjectAltName. RFC 8555 §7.4 lets the
      // CSR carry a dns identifier in the CN alone; the leaf still names it as a SAN (RFC 6125).
      name: "acme-tiny README CSR: CN only, no subjectAltName (RSA 3072)",
      run: async () => {
        const { csrPath, keyPath } = await client.csr("cn-only", [cnName], { type: "rsa", bits: 3072 }, { cnOnly: true });
        const { result } = await client.run(csrPath);
        requireSuccess(result, "acme-tiny with a CN-only CSR");
        await client.check("cn-only", result.stdout, keyPath, [cnName], { type: "rsa", bits: 3072 });
      },
    },
    {
      // The default policy wants 3072 bits (reference §2.3); the README's `openssl genrsa 2048` key.
      name: "acme-tiny RSA 2048 certificate key refused with badCSR",
      run: async () => {
        const { csrPath } = await client.csr("rsa2048", ["rsa2048.acme-tiny.test"], { type: "rsa", bits: 2048 });
        const { detail } = requireProblem((await client.run(csrPath)).result, "acme-tiny with a 2048-bit RSA certificate key", "badCSR");
        if (!/2048/.test(detail) || !/3072/.test(detail)) throw new ScenarioFailure(`the badCSR detail does not name 2048 and 3072 bits: "${detail}"`);
      },
    },
    {
      // acme-tiny's renewal is the same command again (its README's cron job): newAccount with
      // the same key must find the account (§7.3.1, 200), not make another.
      name: "acme-tiny renewal (same account key and CSR): same account, new serial",
      run: async () => {
        const { account, issued, csrPath, keyPath } = first;
        if (account === undefined || issued === undefined || csrPath === undefined || keyPath === undefined) throw new ScenarioFailure(`needs the certificate of "${issueScenario}", which failed`);
        const { result } = await client.run(csrPath, { contact: true });
        requireSuccess(result, "acme-tiny (renewal)");
        const again = requireAccountLine(result, "acme-tiny (renewal)");
        if (again.created || again.url !== account.url) throw new ScenarioFailure(`the renewal's account is ${again.created ? "a new one" : "known"} at ${again.url}, expected the known ${account.url}`);
        const accounts = registeredAccounts(await exportedEvents(context), rsaThumbprint(await readFile(client.accountKeyPath, "utf8")));
        if (accounts.length !== 1) throw new ScenarioFailure(`the server recorded ${accounts.length} accounts for acme-tiny's key, expected 1`);
        const renewed = await client.check("san-renewed", result.stdout, keyPath, sanNames, p256);
        if (renewed.serial === issued.serial) throw new ScenarioFailure(`the renewal kept serial ${issued.serial}`);
      },
    },
    {
      // RFC 8555 §7.1.3: a wildcard's authorization offers dns-01 only. acme-tiny orders the
      // `*.` name as it finds it in the CSR, then looks for the http-01 challenge by index and
      // stops on Python's IndexError: the operator's one hint that the CA offered no http-01.
      name: "acme-tiny wildcard CSR: the order's authorization offers no http-01, acme-tiny stops (RFC 8555 §7.1.3)",
      run: async () => {
        const { csrPath } = await client.csr("wildcard", [`*.${wildName}`], { type: "ec", curve: "P-256" });
        const { result, webroot } = await client.run(csrPath);
        if (result.code === 0) throw new ScenarioFailure("acme-tiny got a certificate for a wildcard over http-01", tail(result.stderr, 10));
        if (!result.stderr.includes(`Verifying ${wildName}...`) || !stoppedForWantOfHttp01(result.stderr)) {
          throw new ScenarioFailure(`acme-tiny failed, but not for want of an http-01 challenge in ${wildName}'s authorization`, tail(result.stderr, 12));
        }
        if (webroot.requested.length > 0) throw new ScenarioFailure(`the webroot was asked for ${webroot.requested.join(", ")} for a wildcard`);
      },
    },
  ];
}

/**
 * RFC 8555 §7.3.4 against a server that requires it: acme-tiny 5.0.1 cannot send an External
 * Account Binding (nor reads the directory's meta), so its newAccount must be refused with
 * externalAccountRequired.
 */
export function acmeTinyEabScenario(context: InteropContext): Scenario {
  return {
    name: "EAB required: acme-tiny (no EAB support) refused with externalAccountRequired",
    run: async () => {
      const names = ["eab.acme-tiny.test"];
      const client = await acmeTiny(context, "acme-tiny-eab", names);
      const { csrPath } = await client.csr("eab", names, { type: "ec", curve: "P-256" });
      requireProblem((await client.run(csrPath, { contact: true })).result, "acme-tiny without a binding", "externalAccountRequired");
    },
  };
}
