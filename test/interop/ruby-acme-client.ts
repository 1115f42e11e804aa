/**
 * The Ruby acme-client gem (Debian's ruby-acme-client 2.0.9 on ruby 3.1 and faraday 1.1), the
 * library GitLab's Let's Encrypt integration and many Rails applications embed, against
 * Certeasy. It has no command line: ruby-acme-client/client.rb, our own script on the gem's
 * API, drives it the way such an application does — newAccount with the terms agreed and a
 * mailto contact before every order (RFC 8555 §7.3, §7.3.1), one challenge per authorization
 * (§7.5.1), the README's fixed-interval reload loops, finalize with the gem's
 * CertificateRequest (§7.4), the PEM chain downloaded — and prints one JSON object a line,
 * read here.
 *
 * Trust: the script hands the run's root CA file to Faraday as connection_options ssl.ca_file,
 * which the gem passes to every connection it opens; nothing machine-wide changes.
 */
import { X509Certificate } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { REPO_ROOT } from "../e2e/children.js";
import { PROBLEM_TYPE, shortProblemType } from "./acme-errors.js";
import { checkIssued, fullChainFiles, pemCertificates, type ExpectedKey, type IssuedCertificate } from "./certificates.js";
import { CONTACT_EMAIL, scratchFile, type InteropContext } from "./context.js";
import { eventLines, isRecord, strings, text, type EventLine } from "./json-lines.js";
import { clientEnv, describeExit, runProgram, type ProgramResult } from "./processes.js";
import { CRL_REASON, requireNotRevoked, requireRevoked, revocationCheckOf } from "./revocation.js";
import { ScenarioFailure, tail, type Scenario } from "./scenario.js";
import { exportedEvents, registeredAccounts, rsaThumbprint } from "./server-events.js";
import { withWebroot, type Webroot } from "./webroot.js";

const SCRIPT = join(REPO_ROOT, "test/interop/ruby-acme-client/client.rb");

export interface RubyProblem {
  /** the short type, e.g. `badCSR` (the URN prefix removed) */
  readonly type: string;
  readonly detail: string;
  readonly subproblems: readonly RubyProblem[];
}

/** What the script reported when the gem raised (or a validation failed): the Ruby class, its message, the problem behind it. */
export interface RubyError {
  /** e.g. `Acme::Client::Error::BadCSR`; null when the script itself gave up (a failed validation) */
  readonly className: string | null;
  readonly message: string;
  readonly problem: RubyProblem | null;
}

/** Whether Ruby can load the acme-client gem (Debian's ruby-acme-client), which has no program to look for. */
export async function hasRubyAcmeClient(): Promise<boolean> {
  return (await runProgram("ruby", ["-e", 'require "acme-client"'], { timeoutMs: 15_000 })).code === 0;
}

/** A problem document (RFC 8555 §6.7) as the script printed it, subproblems (§6.7.1) included. */
export function rubyProblem(value: unknown): RubyProblem | null {
  if (!isRecord(value) || typeof value.type !== "string") return null;
  const subproblems = Array.isArray(value.subproblems) ? value.subproblems.map(rubyProblem).filter((problem): problem is RubyProblem => problem !== null) : [];
  return { type: shortProblemType(value.type), detail: text(value.detail), subproblems };
}

/** The script's `error` line, or null when it printed none. */
export function rubyError(events: readonly EventLine[]): RubyError | null {
  const error = events.findLast((candidate) => candidate.event === "error");
  if (error === undefined) return null;
  const className = error.fields.class;
  return { className: typeof className === "string" ? className : null, message: text(error.fields.message), problem: rubyProblem(error.fields.problem) };
}

/** The fields of the last `event` line, or null. */
export function lastEvent(events: readonly EventLine[], event: string): Readonly<Record<string, unknown>> | null {
  return events.findLast((candidate) => candidate.event === event)?.fields ?? null;
}

export interface RubyAccount {
  readonly kid: string;
  readonly status: string;
  readonly contact: readonly string[];
}

export function rubyAccount(fields: Readonly<Record<string, unknown>> | null): RubyAccount | null {
  if (fields === null || typeof fields.kid !== "string") return null;
  return { kid: fields.kid, status: text(fields.status), contact: strings(fields.contact) };
}

export interface RubyChallenge {
  readonly identifier: string;
  readonly type: string;
  readonly status: string;
  /** the authorization's status after the challenge's */
  readonly authorization: string;
  readonly error: RubyProblem | null;
}

export function rubyChallenges(events: readonly EventLine[]): RubyChallenge[] {
  return events
    .filter((candidate) => candidate.event === "challenge")
    .map(({ fields }) => ({ identifier: text(fields.identifier), type: text(fields.type), status: text(fields.status), authorization: text(fields.authorization), error: rubyProblem(fields.error) }));
}

/** The URLs a certificate download fetched (the default chain, then each alternate tried). */
export function fetchedUrls(fields: Readonly<Record<string, unknown>> | null): string[] {
  return fields === null ? [] : strings(fields.fetched);
}

interface RubyRun {
  readonly result: ProgramResult;
  readonly events: EventLine[];
}

/** The script's last lines, and Ruby's traceback: its first line (the exception) and where it ended. */
function evidence(run: RubyRun): string {
  const traceback = run.result.stderr.split("\n").filter((line) => line.trim() !== "");
  const shown = traceback.length > 8 ? [...traceback.slice(0, 2), "…", ...traceback.slice(-5)] : traceback;
  return tail([run.result.stdout, ...shown].join("\n"), 16);
}

/** A run that had to succeed. */
function requireOk<Run extends RubyRun>(run: Run, what: string): Run {
  if (run.result.code === 0 && !run.result.timedOut) return run;
  const error = rubyError(run.events);
  const why = error === null ? describeExit(run.result) : `raised ${error.className ?? "nothing"}: ${error.message}`;
  throw new ScenarioFailure(`${what} ${why}`, evidence(run));
}

/** A run the server had to refuse: the gem raised `className` for a problem of type `type`. */
function requireRaised(run: RubyRun, what: string, className: string, type: string): RubyError {
  if (run.result.code === 0) throw new ScenarioFailure(`${what} succeeded, expected ${className} (${type})`, evidence(run));
  const error = rubyError(run.events);
  if (error === null) throw new ScenarioFailure(`${what} ${describeExit(run.result)} without reporting an error`, evidence(run));
  if (error.className !== className || error.problem?.type !== type) {
    throw new ScenarioFailure(`${what} raised ${error.className ?? "nothing"} (${error.problem?.type ?? "no problem"}: "${error.message}"), expected ${className} (${type})`, evidence(run));
  }
  return error;
}

function requireAccount(run: RubyRun, what: string): RubyAccount {
  const account = rubyAccount(lastEvent(run.events, "account"));
  if (account === null) throw new ScenarioFailure(`${what}: the script reported no account`, evidence(run));
  return account;
}

/** The root's common name: the issuer name order.certificate(force_chain:) matches chains by. */
function rootCommonName(rootCa: string): string {
  const subject = new X509Certificate(pemCertificates(rootCa)[0] ?? rootCa).subject;
  return /^CN=(.+)$/m.exec(subject)?.[1] ?? subject;
}

interface IssueOptions {
  readonly accountKey: string;
  readonly names: readonly string[];
  readonly challenge: "http-01" | "dns-01";
  readonly certKeyType?: "ec256" | "rsa2048" | "rsa3072";
  readonly forceChain?: string;
  /** publish no answer: the validation must fail */
  readonly noAnswer?: boolean;
}

export async function rubyAcmeClientScenarios(context: InteropContext): Promise<Scenario[]> {
  const base = join(context.workspace, "ruby-acme-client");
  const webrootFolder = join(base, "webroot");
  await mkdir(webrootFolder, { recursive: true });
  const accountKey = join(base, "account.key");
  const rolledKey = join(base, "account-p256.key");
  let labels = 0;

  const ruby = async (command: string, args: readonly string[]): Promise<RubyRun> => {
    const common = ["--directory", context.server.directoryUrl, "--ca-file", context.server.rootCaPath, "--contact", CONTACT_EMAIL, "--challtestsrv", context.dns.managementUrl, "--webroot", webrootFolder];
    const result = await runProgram("ruby", [SCRIPT, command, ...common, ...args], { env: clientEnv(), timeoutMs: 120_000 });
    return { result, events: eventLines(result.stdout) };
  };
  /** `issue`, with the webroot up for http-01; the certificate and its key under a fresh label. */
  const issue = async (options: IssueOptions): Promise<RubyRun & { certPath: string; certKeyPath: string; webroot: Webroot | null }> => {
    labels += 1;
    const certPath = join(base, `${labels}.cert.pem`);
    const certKeyPath = join(base, `${labels}.key.pem`);
    const args = ["--account-key", options.accountKey, "--challenge", options.challenge, "--cert", certPath, "--cert-key", certKeyPath, "--cert-key-type", options.certKeyType ?? "ec256"];
    for (const name of options.names) args.push("--name", name);
    if (options.forceChain !== undefined) args.push("--force-chain", options.forceChain);
    if (options.noAnswer === true) args.push("--no-answer");
    if (options.challenge === "dns-01") return { ...(await ruby("issue", args)), certPath, certKeyPath, webroot: null };
    return withWebroot(webrootFolder, context.ports.http01, async (webroot) => ({ ...(await ruby("issue", args)), certPath, certKeyPath, webroot }));
  };
  const check = async (run: { certPath: string; certKeyPath: string }, names: readonly string[], key: ExpectedKey): Promise<IssuedCertificate> => {
    const scratch = await scratchFile(context, "ruby-acme-client");
    return checkIssued(await fullChainFiles(run.certPath, run.certKeyPath, scratch), { rootCaPath: context.server.rootCaPath, names, key }, scratch);
  };

  const httpNames = ["ruby-acme-client.test", "www.ruby-acme-client.test"];
  const wildNames = ["wild.ruby-acme-client.test", "*.wild.ruby-acme-client.test"];
  const p256 = { type: "ec", curve: "prime256v1" } as const;
  const state: { kid?: string; http?: IssuedCertificate } = {};
  const accountScenario = "ruby-acme-client new_account (terms agreed, mailto contact; RSA 2048 account key, RS256), the same key again: the same kid";
  const httpScenario = "ruby-acme-client http-01 issue (webroot, 2 names, ECDSA P-256 CertificateRequest), chain verified";
  const needKid = (): string => {
    if (state.kid === undefined) throw new ScenarioFailure(`needs the account of "${accountScenario}", which failed`);
    return state.kid;
  };

  return [
    {
      name: accountScenario,
      run: async () => {
        const first = requireOk(await ruby("register", ["--account-key", accountKey]), "new_account");
        const account = requireAccount(first, "new_account");
        if (account.status !== "valid") throw new ScenarioFailure(`the new account's status is ${account.status}, expected valid`);
        const again = requireAccount(requireOk(await ruby("register", ["--account-key", accountKey]), "new_account again"), "new_account again");
        // RFC 8555 §7.3.1: newAccount with a known key answers with that account's URL.
        if (again.kid !== account.kid) throw new ScenarioFailure(`new_account with the same key gave ${again.kid}, expected the known ${account.kid}`);
        const registered = registeredAccounts(await exportedEvents(context), rsaThumbprint(await readFile(accountKey, "utf8")));
        if (registered.length !== 1) throw new ScenarioFailure(`the server recorded ${registered.length} account(s) for the gem's key, expected 1`);
        if (!account.kid.endsWith(`/${registered[0]?.accountId ?? ""}`)) throw new ScenarioFailure(`the gem's kid ${account.kid} is not the account the server registered (${registered[0]?.accountId ?? ""})`);
        if (JSON.stringify(registered[0]?.contact) !== JSON.stringify([`mailto:${CONTACT_EMAIL}`])) throw new ScenarioFailure(`the account's contact is ${JSON.stringify(registered[0]?.contact)}, expected mailto:${CONTACT_EMAIL}`);
        state.kid = account.kid;
      },
    },
    {
      name: httpScenario,
      run: async () => {
        const kid = needKid();
        const run = await issue({ accountKey, names: httpNames, challenge: "http-01" });
        requireOk(run, "issue (http-01)");
        const fetched = new Set(run.webroot?.requested.filter((path) => path.startsWith("/.well-known/acme-challenge/")));
        if (fetched.size < httpNames.length) throw new ScenarioFailure(`the validator fetched ${fetched.size} http-01 token(s) from the webroot, expected ${httpNames.length}`);
        // GitLab's integration registers before every order: the same account each time.
        if (requireAccount(run, "issue").kid !== kid) throw new ScenarioFailure("new_account before the order named another account");
        state.http = await check(run, httpNames, p256);
      },
    },
    {
      name: "ruby-acme-client dns-01 wildcard + apex (TXT records via pebble-challtestsrv, RSA 3072 certificate key)",
      run: async () => {
        const run = requireOk(await issue({ accountKey, names: wildNames, challenge: "dns-01", certKeyType: "rsa3072" }), "issue (dns-01)");
        const challenges = rubyChallenges(run.events);
        if (challenges.length !== 2 || challenges.some((challenge) => challenge.type !== "dns-01" || challenge.status !== "valid")) {
          throw new ScenarioFailure(`expected two valid dns-01 challenges (apex and wildcard), got ${JSON.stringify(challenges)}`, evidence(run));
        }
        await check(run, wildNames, { type: "rsa", bits: 3072 });
      },
    },
    {
      // CertificateRequest's own default key is RSA 2048; the default policy wants 3072 bits
      // (reference §2.3). RFC 8555 §7.4: finalize refused with badCSR, which the gem maps to its class.
      name: "ruby-acme-client RSA 2048 certificate key (CertificateRequest's default size) refused: Acme::Client::Error::BadCSR",
      run: async () => {
        const run = await issue({ accountKey, names: ["rsa2048.ruby-acme-client.test"], challenge: "dns-01", certKeyType: "rsa2048" });
        const { message } = requireRaised(run, "finalize with a 2048-bit RSA key", "Acme::Client::Error::BadCSR", "badCSR");
        if (!/2048/.test(message) || !/3072/.test(message)) throw new ScenarioFailure(`BadCSR's message does not name 2048 and 3072 bits: "${message}"`);
      },
    },
    {
      // RFC 8555 §7.4.2: the default chain ends at the issuing CA, the alternate adds the root.
      // force_chain matches the issuer names of a chain's certificates: the root's name is
      // already the issuing CA's issuer, so the default chain matches; a name no chain has makes
      // the gem fetch each Link rel="alternate" before giving up.
      name: "ruby-acme-client order.certificate(force_chain:): the root's name keeps the default chain, an unknown issuer follows Link rel=\"alternate\" to ForcedChainNotFound",
      run: async () => {
        const names = ["chain.ruby-acme-client.test"];
        const run = requireOk(await issue({ accountKey, names, challenge: "dns-01", forceChain: rootCommonName(context.rootCa) }), "issue with force_chain");
        await check(run, names, p256);
        const certificate = lastEvent(run.events, "certificate");
        const defaultFetch = fetchedUrls(certificate);
        if (defaultFetch.length !== 1) throw new ScenarioFailure(`force_chain with the root's name fetched ${defaultFetch.length} chains, expected the default alone`, evidence(run));
        const order = lastEvent(run.events, "order")?.url;
        if (typeof order !== "string") throw new ScenarioFailure("the script reported no order URL", evidence(run));
        const unknown = await ruby("download", ["--account-key", accountKey, "--kid", needKid(), "--order", order, "--cert", join(base, "unknown-chain.pem"), "--force-chain", "No Such Issuer"]);
        if (unknown.result.code === 0 || rubyError(unknown.events)?.className !== "Acme::Client::Error::ForcedChainNotFound") {
          throw new ScenarioFailure("force_chain with an unknown issuer did not raise ForcedChainNotFound", evidence(unknown));
        }
        const tried = fetchedUrls(lastEvent(unknown.events, "chains-fetched"));
        const [first, ...alternates] = tried;
        if (first !== defaultFetch[0] || alternates.length !== 1 || !alternates.every((url) => url.startsWith(`${first}/`))) {
          throw new ScenarioFailure(`the gem fetched ${JSON.stringify(tried)}, expected the default chain and the one alternate the server links`, evidence(unknown));
        }
      },
    },
    {
      // RFC 8555 §7.6. The gem maps no alreadyRevoked (2.0.9 predates it in its table): the
      // second call raises the base Acme::Client::Error with the server's detail.
      name: "ruby-acme-client revoke (reason superseded), then again: the base Acme::Client::Error for alreadyRevoked",
      run: async () => {
        if (state.http === undefined) throw new ScenarioFailure(`needs the certificate of "${httpScenario}", which failed`);
        const check = await revocationCheckOf(context, state.http, "ruby-acme-client-revoke");
        await requireNotRevoked(check);
        const certFile = await scratchFile(context, "ruby-acme-client-revoke-leaf");
        await writeFile(certFile, state.http.leafPem);
        const revoked = requireOk(await ruby("revoke", ["--account-key", accountKey, "--kid", needKid(), "--cert", certFile, "--reason", String(CRL_REASON.superseded)]), "revoke");
        if (lastEvent(revoked.events, "revoked")?.result !== true) throw new ScenarioFailure("revoke did not return true", evidence(revoked));
        await requireRevoked(check, CRL_REASON.superseded);
        const again = await ruby("revoke", ["--account-key", accountKey, "--kid", needKid(), "--cert", certFile, "--reason", String(CRL_REASON.superseded)]);
        requireRaised(again, "revoke again", "Acme::Client::Error", "alreadyRevoked");
      },
    },
    {
      // RFC 8555 §6.5: a nonce is good once. The gem keeps a pool of nonces; one it already
      // spent, put back, must be refused with badNonce, and bad_nonce_retry signs again with the
      // fresh nonce the refusal carried (§6.5, "the server MUST include a Replay-Nonce").
      name: "ruby-acme-client replayed nonce: badNonce, retried with bad_nonce_retry: 1; raised as BadNonce without it",
      run: async () => {
        const retried = requireOk(await ruby("replay-nonce", ["--account-key", accountKey, "--bad-nonce-retry", "1"]), "a replayed nonce with bad_nonce_retry 1");
        const refusals = lastEvent(retried.events, "nonce-replayed")?.refusals;
        if (JSON.stringify(refusals) !== JSON.stringify([`${PROBLEM_TYPE}badNonce`])) throw new ScenarioFailure(`the retried request saw refusals ${JSON.stringify(refusals)}, expected one badNonce`, evidence(retried));
        requireRaised(await ruby("replay-nonce", ["--account-key", accountKey]), "a replayed nonce without bad_nonce_retry", "Acme::Client::Error::BadNonce", "badNonce");
      },
    },
    {
      // RFC 8555 §8.3: nothing at the token's URL. What an admin sees is challenge.error.
      name: "ruby-acme-client http-01 with no token served: challenge and authorization invalid, challenge.error says why",
      run: async () => {
        const names = ["unserved.ruby-acme-client.test"];
        const run = await issue({ accountKey, names, challenge: "http-01", noAnswer: true });
        if (run.result.code === 0) throw new ScenarioFailure("the gem got a certificate with no token served", evidence(run));
        const [challenge] = rubyChallenges(run.events);
        if (challenge === undefined || challenge.status !== "invalid" || challenge.authorization !== "invalid") {
          throw new ScenarioFailure(`expected the challenge and its authorization invalid, got ${JSON.stringify(challenge)}`, evidence(run));
        }
        if (challenge.error === null || !["incorrectResponse", "unauthorized", "connection"].includes(challenge.error.type) || !challenge.error.detail.includes(names[0] ?? "")) {
          throw new ScenarioFailure(`challenge.error is ${JSON.stringify(challenge.error)}, expected a validation problem naming ${names[0] ?? ""}`, evidence(run));
        }
        if (lastEvent(run.events, "order")?.status !== "invalid") throw new ScenarioFailure("the order is not invalid after its authorization failed (RFC 8555 §7.1.6)", evidence(run));
      },
    },
    {
      // RFC 8555 §7.3.5; the new key is P-256, so the gem signs ES256 from here on.
      name: "ruby-acme-client account_key_change (to ECDSA P-256, ES256): the old key finds no account, the new key orders",
      run: async () => {
        const kid = needKid();
        const changed = requireOk(await ruby("key-change", ["--account-key", accountKey, "--kid", kid, "--new-account-key", rolledKey]), "account_key_change");
        if (rubyAccount(lastEvent(changed.events, "key-changed"))?.kid !== kid) throw new ScenarioFailure("account_key_change reported another account", evidence(changed));
        requireRaised(await ruby("lookup", ["--account-key", accountKey]), "the old key's account lookup (onlyReturnExisting)", "Acme::Client::Error::AccountDoesNotExist", "accountDoesNotExist");
        const names = ["rolled.ruby-acme-client.test"];
        const run = requireOk(await issue({ accountKey: rolledKey, names, challenge: "dns-01" }), "issue with the new key");
        if (requireAccount(run, "issue with the new key").kid !== kid) throw new ScenarioFailure("new_account with the new key named another account");
        await check(run, names, p256);
      },
    },
    {
      // RFC 8555 §7.3.6: a deactivated account's requests are refused with unauthorized.
      name: "ruby-acme-client account deactivate, then that key refused: Acme::Client::Error::Unauthorized",
      run: async () => {
        const deactivated = requireOk(await ruby("deactivate", ["--account-key", rolledKey, "--kid", needKid()]), "account_deactivate");
        if (rubyAccount(lastEvent(deactivated.events, "deactivated"))?.status !== "deactivated") throw new ScenarioFailure("the account is not deactivated", evidence(deactivated));
        const run = await issue({ accountKey: rolledKey, names: ["refused.ruby-acme-client.test"], challenge: "dns-01" });
        requireRaised(run, "an order with the deactivated account's key", "Acme::Client::Error::Unauthorized", "unauthorized");
      },
    },
  ];
}

/**
 * RFC 8555 §7.3.4 against a server that requires it: 2.0.9's new_account takes no binding (its
 * external_account_binding argument came in a later release). The gem reads
 * meta.externalAccountRequired (§7.1.1) and exposes it, but registers anyway: refused with
 * externalAccountRequired, which it maps to its class.
 */
export function rubyAcmeClientEabScenario(context: InteropContext): Scenario {
  return {
    name: "EAB required: ruby-acme-client 2.0.9 (no binding in new_account) refused with Acme::Client::Error::ExternalAccountRequired",
    run: async () => {
      const folder = join(context.workspace, "ruby-acme-client-eab");
      await mkdir(folder, { recursive: true });
      const args = ["register", "--directory", context.server.directoryUrl, "--ca-file", context.server.rootCaPath, "--contact", CONTACT_EMAIL, "--account-key", join(folder, "account.key")];
      const result = await runProgram("ruby", [SCRIPT, ...args], { env: clientEnv(), timeoutMs: 60_000 });
      const run = { result, events: eventLines(result.stdout) };
      if (lastEvent(run.events, "directory")?.externalAccountRequired !== true) throw new ScenarioFailure("the gem does not read meta.externalAccountRequired as true", evidence(run));
      requireRaised(run, "new_account without a binding", "Acme::Client::Error::ExternalAccountRequired", "externalAccountRequired");
    },
  };
}
