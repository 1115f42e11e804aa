/**
 * golang.org/x/crypto/acme (Debian's 0.4.0, built with Debian's Go 1.19), the library
 * cert-manager's ACME issuer is built on — cert-manager ships a fork of it — driven by our
 * x-crypto-acme/main.go the way an issuer controller drives it: Register with AcceptTOS
 * (ErrAccountAlreadyExists, then GetReg, for a known key), AuthorizeOrder, GetAuthorization,
 * Accept and WaitAuthorization per authorization, WaitOrder, CreateOrderCert with the chain,
 * FetchCert and ListCertAlternates, RevokeCert, AccountKeyRollover, DeactivateReg, and an
 * External Account Binding. It answers http-01 itself on the validator's port, as
 * cert-manager's solver pod does, and dns-01 through pebble-challtestsrv's management API.
 *
 * Trust: the program's HTTP client trusts the run's root alone, as an Issuer's `caBundle` does.
 * Build: `go build` in GOPATH mode against /usr/share/gocode (GO111MODULE=off, GOPROXY=off:
 * nothing is ever fetched), once per source and Go version, cached under node_modules/.cache.
 */
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../e2e/children.js";
import { shortProblemType } from "./acme-errors.js";
import { checkIssued, fullChainFiles, pemCertificates, type ExpectedKey, type IssuedCertificate } from "./certificates.js";
import { CONTACT_EMAIL, scratchFile, type InteropContext } from "./context.js";
import { createEabKey } from "./eab.js";
import { text } from "./json-lines.js";
import { clientEnv, runProgram, type ProgramResult } from "./processes.js";
import { CRL_REASON, requireNotRevoked, requireRevoked, revocationCheckOf } from "./revocation.js";
import { ScenarioFailure, requireSuccess, tail, type Scenario } from "./scenario.js";
import { boundEabKeyId, exportedEvents, registeredAccounts } from "./server-events.js";
import { earlyPolls, linesOf, parseXcryptoOutput, type XcryptoOutput, type XcryptoProblem } from "./x-crypto-acme-output.js";

/** Debian's golang-golang-x-crypto-dev: the GOPATH holding golang.org/x/crypto. */
export const GOPATH = "/usr/share/gocode";
export const XCRYPTO_ACME_SOURCE = join(GOPATH, "src/golang.org/x/crypto/acme");
const PROGRAM_SOURCE = join(REPO_ROOT, "test/interop/x-crypto-acme/main.go");
const CACHE = join(REPO_ROOT, "node_modules/.cache/certeasy-interop/x-crypto-acme");

/** Whether x/crypto/acme's source is where GOPATH mode finds it. */
export async function hasXcryptoSource(): Promise<boolean> {
  return stat(join(XCRYPTO_ACME_SOURCE, "acme.go")).then(
    () => true,
    () => false,
  );
}

/** The Go toolchain offline: GOPATH mode, no proxy, no toolchain switch, caches in `cache`. */
export function goEnv(cache: string): NodeJS.ProcessEnv {
  return clientEnv({
    GO111MODULE: "off",
    GOPATH,
    GOPROXY: "off",
    GOFLAGS: "",
    GOENV: "off",
    GOTOOLCHAIN: "local",
    GOCACHE: join(cache, "go-build"),
    HOME: cache,
    // the pure-Go resolver and no C compiler needed
    CGO_ENABLED: "0",
  });
}

let built: Promise<string> | undefined;

/**
 * The program's binary, built at most once per run and reused across runs while main.go, the
 * x/crypto/acme source and the Go version are unchanged (their hash names the binary).
 */
export function xcryptoAcmeBinary(): Promise<string> {
  built ??= (async () => {
    await mkdir(CACHE, { recursive: true });
    const env = goEnv(CACHE);
    const version = await runProgram("go", ["version"], { env, timeoutMs: 15_000 });
    requireSuccess(version, "go version");
    const hash = createHash("sha256").update(version.stdout).update(await readFile(PROGRAM_SOURCE));
    for (const file of (await readdir(XCRYPTO_ACME_SOURCE)).filter((name) => name.endsWith(".go")).sort()) hash.update(file).update(await readFile(join(XCRYPTO_ACME_SOURCE, file)));
    const binary = join(CACHE, `x-crypto-acme-${hash.digest("hex").slice(0, 16)}`);
    if (await stat(binary).then(() => true, () => false)) return binary;
    const partial = `${binary}.${process.pid}.partial`;
    requireSuccess(await runProgram("go", ["build", "-o", partial, PROGRAM_SOURCE], { env, cwd: CACHE, timeoutMs: 300_000 }), "go build x-crypto-acme/main.go");
    await rename(partial, binary);
    return binary;
  })();
  return built;
}

export interface XcryptoRun {
  readonly result: ProgramResult;
  readonly output: XcryptoOutput;
}

export interface XcryptoClient {
  readonly folder: string;
  readonly accountKeyPath: string;
  /** `x-crypto-acme <command> -directory … -ca <root> -account-key <accountKeyPath> <args…>` */
  run(command: string, args?: readonly string[], accountKeyPath?: string): Promise<XcryptoRun>;
  /** an order for `names` solved with `challenge`, a certificate key of `keyType` */
  issue(label: string, names: readonly string[], challenge: "http-01" | "dns-01", keyType: string): Promise<XcryptoRun & { readonly certPath: string; readonly keyPath: string }>;
  /** checkIssued on what `issue` wrote for `label` */
  check(label: string, names: readonly string[], key: ExpectedKey): Promise<IssuedCertificate>;
}

export async function xcryptoAcme(context: InteropContext, folderName: string): Promise<XcryptoClient> {
  const folder = join(context.workspace, folderName);
  await mkdir(folder, { recursive: true });
  const accountKeyPath = join(folder, "account.key");
  const run = async (command: string, args: readonly string[] = [], key = accountKeyPath): Promise<XcryptoRun> => {
    const binary = await xcryptoAcmeBinary();
    const result = await runProgram(binary, [command, "-directory", context.server.directoryUrl, "-ca", context.server.rootCaPath, "-account-key", key, ...args], { env: clientEnv(), cwd: folder, timeoutMs: 120_000 });
    return { result, output: parseXcryptoOutput(result.stdout) };
  };
  const certPath = (label: string): string => join(folder, `${label}.crt`);
  const keyPath = (label: string): string => join(folder, `${label}.key`);
  return {
    folder,
    accountKeyPath,
    run,
    issue: async (label, names, challenge, keyType) => {
      const solver = challenge === "http-01" ? ["-http-port", String(context.ports.http01)] : ["-dns-management", context.dns.managementUrl];
      const issued = await run("issue", ["-names", names.join(","), "-challenge", challenge, ...solver, "-key-type", keyType, "-key-out", keyPath(label), "-cert-out", certPath(label)]);
      return { ...issued, certPath: certPath(label), keyPath: keyPath(label) };
    },
    check: async (label, names, key) => {
      const scratch = await scratchFile(context, `x-crypto-acme-${label}`);
      return checkIssued(await fullChainFiles(certPath(label), keyPath(label), scratch), { rootCaPath: context.server.rootCaPath, names, key }, scratch);
    },
  };
}

/**
 * A command that had to succeed; on failure the problem it got leads the evidence. Its polls
 * (WaitAuthorization, WaitOrder) must not have come before the Retry-After of the answer they
 * followed (RFC 8555 §7.5.1, §7.4).
 */
function requireDone(run: XcryptoRun, what: string): XcryptoOutput {
  if (run.result.code !== 0 || run.result.timedOut) {
    const problem = run.output.error?.problem;
    const got = problem === undefined || problem === null ? (run.output.error?.message ?? "") : `${shortProblemType(problem.type)} "${problem.detail}"`;
    requireSuccess(run.result, `${what}${got === "" ? "" : ` (${got})`}`);
  }
  const [early] = earlyPolls(run.output.exchanges);
  if (early !== undefined) throw new ScenarioFailure(`${what}: x/crypto asked ${early.url} again after ${early.waitedMs} ms, the server's Retry-After said ${early.askedMs} ms`);
  return run.output;
}

/** A command the server had to refuse: x/crypto returned an *acme.Error of type `wanted`. */
function requireXcryptoProblem(run: XcryptoRun, what: string, wanted: string): XcryptoProblem {
  const evidence = tail(`${run.result.stdout}\n${run.result.stderr}`, 12);
  if (run.result.code === 0) throw new ScenarioFailure(`${what} succeeded, expected the server to refuse it with ${wanted}`, evidence);
  const { error } = run.output;
  if (error?.problem === null || error?.problem === undefined) throw new ScenarioFailure(`${what} failed without an *acme.Error (${error?.kind ?? "no error line"}: ${error?.message ?? ""})`, evidence);
  const type = shortProblemType(error.problem.type);
  if (type !== wanted) throw new ScenarioFailure(`${what} failed with ${type} "${error.problem.detail}", expected ${wanted}`, evidence);
  return error.problem;
}

/** The one `account` line of a register/account command. */
function accountLine(output: XcryptoOutput, what: string): { url: string; created: boolean; thumbprint: string; status: string } {
  const [line] = linesOf(output, "account");
  if (line === undefined) throw new ScenarioFailure(`${what} printed no account`);
  return { url: text(line["url"]), created: line["created"] === true, thumbprint: text(line["thumbprint"]), status: text(line["status"]) };
}

const stringField = (fields: Readonly<Record<string, unknown>> | undefined, name: string): string => {
  const value = fields?.[name];
  return typeof value === "string" ? value : "";
};

export async function xcryptoAcmeScenarios(context: InteropContext): Promise<Scenario[]> {
  const client = await xcryptoAcme(context, "x-crypto-acme");
  const p256 = { type: "ec", curve: "prime256v1" } as const;
  const httpNames = ["x-crypto.test", "www.x-crypto.test"];
  const wildNames = ["wild.x-crypto.test", "*.wild.x-crypto.test"];
  const state: { accountUrl?: string; http?: { issued: IssuedCertificate; certUrl: string }; wild?: IssuedCertificate; rolledKey?: string } = {};
  const registerScenario = "x-crypto-acme Register (AcceptTOS, mailto contact, ECDSA P-256 account key), again: ErrAccountAlreadyExists, GetReg finds the same account";
  const httpScenario = "x-crypto-acme http-01 issue (own solver on the validation port, ECDSA P-256, 2 names, CreateOrderCert bundle=true)";
  const wildScenario = "x-crypto-acme dns-01 wildcard (apex + *.apex, TXT through pebble-challtestsrv)";
  const needHttp = (): { issued: IssuedCertificate; certUrl: string } => {
    if (state.http === undefined) throw new ScenarioFailure(`needs the certificate of "${httpScenario}", which failed`);
    return state.http;
  };
  const needAccount = (): string => {
    if (state.accountUrl === undefined) throw new ScenarioFailure(`needs the account of "${registerScenario}", which failed`);
    return state.accountUrl;
  };

  return [
    {
      name: registerScenario,
      run: async () => {
        const first = accountLine(requireDone(await client.run("register", ["-contact", CONTACT_EMAIL]), "Register"), "Register");
        if (!first.created) throw new ScenarioFailure("Register reported an existing account for a new key");
        const [registered, ...more] = registeredAccounts(await exportedEvents(context), first.thumbprint);
        if (registered === undefined || more.length > 0) throw new ScenarioFailure(`the server recorded ${more.length + (registered === undefined ? 0 : 1)} account(s) for the key, expected 1`);
        if (!first.url.endsWith(`/${registered.accountId}`)) throw new ScenarioFailure(`Register's account ${first.url} is not the one the server registered (${registered.accountId})`);
        if (JSON.stringify(registered.contact) !== JSON.stringify([`mailto:${CONTACT_EMAIL}`])) throw new ScenarioFailure(`the account's contact is ${JSON.stringify(registered.contact)}, expected mailto:${CONTACT_EMAIL}`);
        // RFC 8555 §7.3.1: newAccount with a known key answers 200 and the account's URL;
        // x/crypto returns ErrAccountAlreadyExists for it, and GetReg reads the account.
        const output = requireDone(await client.run("register", ["-contact", CONTACT_EMAIL]), "Register (same key)");
        const exists = stringField(linesOf(output, "accountExists")[0], "url");
        const again = accountLine(output, "GetReg");
        if (exists !== first.url || again.url !== first.url || again.created) throw new ScenarioFailure(`the same key again gave ${exists === "" ? "no ErrAccountAlreadyExists" : `ErrAccountAlreadyExists for ${exists}`}, GetReg ${again.url}; expected ${first.url}`);
        if (again.status !== "valid") throw new ScenarioFailure(`GetReg reads the account as ${again.status}, expected valid`);
        if (registeredAccounts(await exportedEvents(context), first.thumbprint).length !== 1) throw new ScenarioFailure("the server registered the same key twice");
        state.accountUrl = first.url;
      },
    },
    {
      name: httpScenario,
      run: async () => {
        const issued = await client.issue("http", httpNames, "http-01", "ec256");
        const output = requireDone(issued, "issue (http-01)");
        const served = linesOf(output, "served").filter((line) => line["found"] === true).length;
        if (served < httpNames.length) throw new ScenarioFailure(`the validator fetched ${served} http-01 key authorization(s) from the solver, expected ${httpNames.length}`);
        const certificate = linesOf(output, "certificate")[0];
        if (certificate?.["certificates"] !== 2) throw new ScenarioFailure(`CreateOrderCert with bundle=true returned ${String(certificate?.["certificates"] ?? 0)} certificate(s), expected the leaf and its issuing CA`);
        state.http = { issued: await client.check("http", httpNames, p256), certUrl: stringField(certificate, "url") };
      },
    },
    {
      name: wildScenario,
      run: async () => {
        const output = requireDone(await client.issue("wild", wildNames, "dns-01", "ec256"), "issue (dns-01 wildcard)");
        // RFC 8555 §7.1.4: the wildcard's authorization names the apex, flagged `wildcard`.
        const wildcard = linesOf(output, "authorization").filter((line) => line["wildcard"] === true);
        if (!wildcard.some((line) => line["identifier"] === wildNames[0])) throw new ScenarioFailure(`no authorization for ${wildNames[0] ?? ""} flagged wildcard`);
        state.wild = await client.check("wild", wildNames, p256);
      },
    },
    {
      name: "x-crypto-acme RSA 3072 certificate key (http-01)",
      run: async () => {
        const names = ["rsa3072.x-crypto.test"];
        requireDone(await client.issue("rsa3072", names, "http-01", "rsa3072"), "issue (RSA 3072)");
        await client.check("rsa3072", names, { type: "rsa", bits: 3072 });
      },
    },
    {
      name: "x-crypto-acme Ed25519 certificate key (dns-01)",
      run: async () => {
        const names = ["ed25519.x-crypto.test"];
        requireDone(await client.issue("ed25519", names, "dns-01", "ed25519"), "issue (Ed25519)");
        await client.check("ed25519", names, { type: "ed25519" });
      },
    },
    {
      // cert-manager's default private key is RSA 2048; the default policy wants 3072 bits
      // (reference §2.3). The refusal reaches the caller as CreateOrderCert's *acme.Error.
      name: "x-crypto-acme RSA 2048 certificate key (cert-manager's default) refused: *acme.Error badCSR, status 400",
      run: async () => {
        const problem = requireXcryptoProblem(await client.issue("rsa2048", ["rsa2048.x-crypto.test"], "http-01", "rsa2048"), "issue with a 2048-bit RSA key", "badCSR");
        if (problem.status !== 400) throw new ScenarioFailure(`the badCSR problem came with status ${problem.status}, expected 400`);
        if (!/2048/.test(problem.detail) || !/3072/.test(problem.detail)) throw new ScenarioFailure(`the badCSR detail does not name 2048 and 3072 bits: "${problem.detail}"`);
      },
    },
    {
      // RFC 8555 §7.4.2: the certificate URL serves the default chain again, each other chain
      // linked with rel="alternate"; Certeasy's alternate ends with the root.
      name: "x-crypto-acme FetchCert of the certificate URL again, ListCertAlternates: the alternate chain (leaf, issuing CA, root)",
      run: async () => {
        const { issued, certUrl } = needHttp();
        const refetched = join(client.folder, "refetched.crt");
        const output = requireDone(await client.run("fetch", ["-cert-url", certUrl, "-cert-out", refetched, "-alternates-out", join(client.folder, "alternate-")]), "FetchCert");
        const again = pemCertificates(await readFile(refetched, "utf8"));
        const same = (a: string | undefined, b: string | undefined): boolean => a !== undefined && b !== undefined && a.replace(/\s+/g, "") === b.replace(/\s+/g, "");
        if (again.length !== 2 || !same(again[0], issued.leafPem) || !same(again[1], issued.chainPem)) throw new ScenarioFailure(`FetchCert returned ${again.length} certificate(s), not the leaf and issuing CA CreateOrderCert returned`);
        const alternates = linesOf(output, "alternates")[0]?.["urls"];
        if (!Array.isArray(alternates) || alternates.length === 0) throw new ScenarioFailure("ListCertAlternates found no alternate chain", tail(JSON.stringify(output.exchanges.at(-1)?.links ?? []), 4));
        const chain = pemCertificates(await readFile(join(client.folder, "alternate-1.pem"), "utf8"));
        const root = pemCertificates(context.rootCa)[0];
        if (chain.length !== 3 || !same(chain[0], issued.leafPem) || !same(chain[2], root)) throw new ScenarioFailure(`the alternate chain holds ${chain.length} certificate(s), expected the leaf, its issuing CA and the root`);
      },
    },
    {
      // x/crypto's RevokeCert returns nil on alreadyRevoked ("not an error to revoke an
      // already revoked cert"): the server's answer (RFC 8555 §7.6) is read from the exchange.
      name: "x-crypto-acme RevokeCert with the account key (superseded), again: alreadyRevoked, which x/crypto reports as success",
      run: async () => {
        const { issued } = needHttp();
        const check = await revocationCheckOf(context, issued, "x-crypto-acme-revoke-account");
        await requireNotRevoked(check);
        const args = ["-cert", join(client.folder, "http.crt"), "-reason", String(CRL_REASON.superseded)];
        requireDone(await client.run("revoke", args), "RevokeCert");
        await requireRevoked(check, CRL_REASON.superseded);
        const output = requireDone(await client.run("revoke", args), "RevokeCert (again)");
        const refused = output.exchanges.find((exchange) => exchange.problem !== null && exchange.url.includes("revoke"));
        if (refused?.problem === null || refused === undefined) throw new ScenarioFailure("the second RevokeCert got no problem document from the server", tail(output.exchanges.map((exchange) => `${exchange.method} ${exchange.url} ${exchange.status}`).join("\n"), 6));
        if (shortProblemType(refused.problem.type) !== "alreadyRevoked" || refused.status !== 400) throw new ScenarioFailure(`the second revocation was answered ${refused.status} ${refused.problem.type}, expected 400 alreadyRevoked`);
      },
    },
    {
      name: "x-crypto-acme RevokeCert signed by the certificate's key (jwk form, keyCompromise)",
      run: async () => {
        if (state.wild === undefined) throw new ScenarioFailure(`needs the certificate of "${wildScenario}", which failed`);
        const check = await revocationCheckOf(context, state.wild, "x-crypto-acme-revoke-certkey");
        await requireNotRevoked(check);
        requireDone(await client.run("revoke", ["-cert", join(client.folder, "wild.crt"), "-cert-key", join(client.folder, "wild.key"), "-reason", String(CRL_REASON.keyCompromise)]), "RevokeCert with the certificate key");
        await requireRevoked(check, CRL_REASON.keyCompromise);
      },
    },
    {
      // RFC 8555 §7.3.5: after the rollover the old key no longer names the account: newAccount
      // with onlyReturnExisting answers accountDoesNotExist (§7.3.1), which x/crypto's GetReg
      // turns into ErrNoAccount; a request signed by the old key under the account's kid fails
      // its signature check. The new key finds the account and orders.
      name: "x-crypto-acme AccountKeyRollover to P-384: the old key names no account, the new key issues",
      run: async () => {
        const accountUrl = needAccount();
        const oldKey = join(client.folder, "account-old.key");
        await writeFile(oldKey, await readFile(client.accountKeyPath));
        const rolledKey = join(client.folder, "account-p384.key");
        const rolled = requireDone(await client.run("rollover", ["-new-key", rolledKey]), "AccountKeyRollover");
        if (stringField(linesOf(rolled, "rolledOver")[0], "url") !== accountUrl) throw new ScenarioFailure(`the rollover was made for ${stringField(linesOf(rolled, "rolledOver")[0], "url")}, expected ${accountUrl}`);
        state.rolledKey = rolledKey;

        const lookup = await client.run("account", [], oldKey);
        if (lookup.result.code === 0 || lookup.output.error?.kind !== "acme.ErrNoAccount") throw new ScenarioFailure(`GetReg with the old key did not end in ErrNoAccount (${lookup.output.error?.kind ?? "it succeeded"})`, tail(lookup.result.stdout, 8));
        const answered = lookup.output.exchanges.find((exchange) => exchange.problem !== null);
        if (answered?.problem?.type !== "urn:ietf:params:acme:error:accountDoesNotExist") throw new ScenarioFailure(`the server answered the old key's lookup with ${answered?.problem?.type ?? "no problem"}, expected accountDoesNotExist`);
        const signed = requireXcryptoProblem(await client.run("update", ["-kid", accountUrl, "-contact", CONTACT_EMAIL], oldKey), "UpdateReg signed by the old key", "malformed");
        if (signed.status !== 400) throw new ScenarioFailure(`the old key's signature was refused with status ${signed.status}, expected 400`);

        const found = accountLine(requireDone(await client.run("account", [], rolledKey), "GetReg with the new key"), "GetReg");
        if (found.url !== accountUrl) throw new ScenarioFailure(`GetReg with the new key found ${found.url}, expected ${accountUrl}`);
        const names = ["rolled.x-crypto.test"];
        requireDone(await client.run("issue", ["-names", names.join(","), "-challenge", "dns-01", "-dns-management", context.dns.managementUrl, "-key-type", "ec256", "-key-out", join(client.folder, "rolled.key"), "-cert-out", join(client.folder, "rolled.crt")], rolledKey), "issue with the new account key");
        await client.check("rolled", names, p256);
      },
    },
    {
      // RFC 8555 §7.3.6: a deactivated account's key authorizes nothing more: `unauthorized`.
      name: "x-crypto-acme DeactivateReg, then the account's key refused with unauthorized",
      run: async () => {
        const accountUrl = needAccount();
        if (state.rolledKey === undefined) throw new ScenarioFailure("needs the rolled-over account key, whose scenario failed");
        const output = requireDone(await client.run("deactivate", [], state.rolledKey), "DeactivateReg");
        if (stringField(linesOf(output, "deactivated")[0], "url") !== accountUrl) throw new ScenarioFailure(`DeactivateReg deactivated ${stringField(linesOf(output, "deactivated")[0], "url")}, expected ${accountUrl}`);
        requireXcryptoProblem(await client.run("update", ["-kid", accountUrl, "-contact", CONTACT_EMAIL], state.rolledKey), "UpdateReg of the deactivated account", "unauthorized");
        requireXcryptoProblem(await client.run("account", [], state.rolledKey), "GetReg of the deactivated account", "unauthorized");
      },
    },
  ];
}

/**
 * RFC 8555 §7.3.4 against a server that requires it. x/crypto does not read the directory's
 * meta.externalAccountRequired: without a binding it sends newAccount, and the server refuses.
 * With `acme.ExternalAccountBinding{KID, Key}` the account is registered, bound to that key.
 */
export function xcryptoAcmeEabScenarios(context: InteropContext): Scenario[] {
  return [
    {
      name: "EAB required: x-crypto-acme Register without a binding refused: *acme.Error externalAccountRequired",
      run: async () => {
        const client = await xcryptoAcme(context, "x-crypto-acme-no-eab");
        requireXcryptoProblem(await client.run("register", ["-contact", CONTACT_EMAIL]), "Register without a binding", "externalAccountRequired");
      },
    },
    {
      name: "EAB: x-crypto-acme Register with ExternalAccountBinding{KID, Key}, bound to that key, then http-01 issue",
      run: async () => {
        const { keyId, hmacKey } = await createEabKey(context, "interop x-crypto-acme");
        const client = await xcryptoAcme(context, "x-crypto-acme-eab");
        const account = accountLine(requireDone(await client.run("register", ["-contact", CONTACT_EMAIL, "-eab-kid", keyId, "-eab-hmac", hmacKey]), "Register with EAB"), "Register with EAB");
        const bound = boundEabKeyId(await exportedEvents(context), account.thumbprint);
        if (bound !== keyId) throw new ScenarioFailure(`the server registered the account bound to ${bound ?? "no EAB key"}, expected ${keyId}`);
        const names = ["eab.x-crypto.test"];
        requireDone(await client.issue("eab", names, "http-01", "ec256"), "issue with the EAB account");
        await client.check("eab", names, { type: "ec", curve: "prime256v1" });
      },
    },
  ];
}
