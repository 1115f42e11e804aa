/**
 * lacme (Debian's 0.8.2, Perl, LWP) against Certeasy, with its account key held by
 * lacme-accountd, which lacme spawns and talks to over a socket pair: registration with
 * termsOfServiceAgreed and a contact, contact update (RFC 8555 §7.3.2), http-01 issuance through
 * lacme's own webserver and through an existing web server's challenge directory, ECDSA and
 * RSA certificate keys, refused CSRs, its min-days renewal, revocation signed by the account
 * key and by the certificate's own key (§7.6), and account deactivation (§7.3.6).
 *
 * lacme has no setting for the CA to trust: its ACME client (LWP) reads
 * PERL_LWP_SSL_CA_FILE, and the `command` of its [client] section passes it through env(1)
 * (lacme clears the environment before it starts the client). As root, lacme would drop to
 * `_lacme-client` and `_lacme-www`, who cannot read the run's temp dir: the run empties the
 * `user`/`group` settings (documented: "skip privilege drop"). Nothing outside the run's temp
 * dir is read or written, apart from lacme's own temporary files (File::Temp, under /tmp).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { requireProblem } from "./acme-errors.js";
import { checkIssued, fullChainFiles, type ExpectedKey, type IssuedCertificate } from "./certificates.js";
import { CONTACT_EMAIL, scratchFile, type InteropContext } from "./context.js";
import { clientEnv, runProgram, type ProgramResult } from "./processes.js";
import { CRL_REASON, requireNotRevoked, requireRevoked, revocationCheckOf } from "./revocation.js";
import { ScenarioFailure, requireSuccess, tail, type Scenario } from "./scenario.js";
import { withWebroot } from "./webroot.js";
import {
  accountdConfig,
  certsConfig,
  keyGenArgs,
  lacmeConfig,
  parseAccountObject,
  servedChallenges,
  type AccountObject,
  type CertSection,
  type ChallengeServing,
  type KeySpec,
} from "./lacme-config.js";

export interface Lacme {
  /** `lacme --config=<ours> --debug <args…>` */
  run(args: readonly string[]): Promise<ProgramResult>;
  /** check what lacme installed for a section of its certs config */
  check(section: CertSection, key: ExpectedKey): Promise<IssuedCertificate>;
}

export interface LacmeSetup {
  /** a folder of the workspace for this lacme's configs */
  readonly folder: string;
  /** the private key lacme-accountd signs with (`privkey = file:…`) */
  readonly accountKeyPath: string;
  readonly serving: ChallengeServing;
  readonly sections: readonly CertSection[];
}

/** `openssl genpkey`, as lacme's manual says to make account and certificate keys. */
export async function generateKey(path: string, spec: KeySpec): Promise<void> {
  requireSuccess(await runProgram("openssl", keyGenArgs(path, spec), { timeoutMs: 30_000 }), `openssl genpkey (${spec.type})`);
}

export async function lacme(context: InteropContext, setup: LacmeSetup): Promise<Lacme> {
  const base = join(context.workspace, setup.folder);
  const configPath = `${base}.conf`;
  const accountdPath = `${base}-accountd.conf`;
  const certsPath = `${base}-certs.conf`;
  await writeFile(accountdPath, accountdConfig(setup.accountKeyPath));
  await writeFile(certsPath, certsConfig(context.server.rootCaPath, setup.sections));
  await writeFile(
    configPath,
    lacmeConfig({ directoryUrl: context.server.directoryUrl, rootCaPath: context.server.rootCaPath, serving: setup.serving, accountdConfigPath: accountdPath, certsConfigPath: certsPath }),
  );
  return {
    run: (args) => runProgram("lacme", [`--config=${configPath}`, "--debug", ...args], { env: clientEnv(), timeoutMs: 90_000 }),
    check: async (section, key) => {
      const scratch = await scratchFile(context, `lacme-${section.name}`);
      return checkIssued(await fullChainFiles(section.chainPath, section.keyPath, scratch), { rootCaPath: context.server.rootCaPath, names: section.names, key }, scratch);
    },
  };
}

/** A certs-config section named `name` for `names` (the first one is the subject's CN), its files under `folder`. */
export function certSection(folder: string, name: string, names: readonly string[], extra: Partial<Pick<CertSection, "tlsfeature">> = {}): CertSection {
  return { name, names, keyPath: join(folder, `${name}.key`), certificatePath: join(folder, `${name}.crt`), chainPath: join(folder, `${name}.chain.crt`), ...extra };
}

/** `lacme account …` had to succeed and print the account object (it does on stdout). */
function requireAccount(result: ProgramResult, what: string): AccountObject {
  requireSuccess(result, what);
  const account = parseAccountObject(result.stdout);
  if (account === null) throw new ScenarioFailure(`${what} printed no account object`, tail(result.stdout + result.stderr, 10));
  return account;
}

function requireContacts(account: AccountObject, expected: readonly string[], when: string): void {
  if (JSON.stringify(account.contact) !== JSON.stringify(expected)) throw new ScenarioFailure(`${when}, the account names contact ${JSON.stringify(account.contact)}, expected ${JSON.stringify(expected)}`);
}

export async function lacmeScenarios(context: InteropContext): Promise<Scenario[]> {
  const folder = join(context.workspace, "lacme-files");
  await mkdir(folder, { recursive: true });
  const accountKey = join(folder, "account.key");
  const ecdsa = certSection(folder, "ecdsa", ["lacme.test", "www.lacme.test"]);
  const rsa = certSection(folder, "rsa3072", ["rsa.lacme.test"]);
  const rsa2048 = certSection(folder, "rsa2048", ["rsa2048.lacme.test"]);
  const staple = certSection(folder, "staple", ["staple.lacme.test"], { tlsfeature: "status_request" });
  const listen = { listen: `127.0.0.1:${context.ports.http01}` } as const;
  const client = await lacme(context, { folder: "lacme", accountKeyPath: accountKey, serving: listen, sections: [ecdsa, rsa2048, staple] });
  const webrootFolder = join(context.workspace, "lacme-webroot");
  const webrootClient = await lacme(context, { folder: "lacme-webroot", accountKeyPath: accountKey, serving: { challengeDirectory: webrootFolder }, sections: [rsa] });
  // lacme-accountd pointed at the certificate's key: lacme then signs revokeCert with it (§7.6).
  const certKeyClient = await lacme(context, { folder: "lacme-certkey", accountKeyPath: rsa.keyPath, serving: listen, sections: [] });
  const contacts = [`mailto:${CONTACT_EMAIL}`, "mailto:security@example.test"];
  const issued = new Map<string, IssuedCertificate>();
  const need = (name: string): IssuedCertificate => {
    const certificate = issued.get(name);
    if (certificate === undefined) throw new ScenarioFailure(`needs the ${name} certificate of an earlier scenario, which failed`);
    return certificate;
  };
  const p256 = { type: "ec", curve: "prime256v1" } as const;
  const refusedCsr = (name: string, section: CertSection, spec: KeySpec, mentions: readonly RegExp[]): Scenario => ({
    name,
    run: async () => {
      await generateKey(section.keyPath, spec);
      const { detail } = requireProblem(await client.run(["newOrder", section.name]), `lacme newOrder ${section.name}`, "badCSR");
      const missing = mentions.filter((mention) => !mention.test(detail));
      if (missing.length > 0) throw new ScenarioFailure(`the badCSR detail does not name ${missing.map(String).join(", ")}: "${detail}"`);
    },
  });

  return [
    {
      name: "lacme account --register --tos-agreed (lacme-accountd, RSA 2048 account key, RS256)",
      run: async () => {
        await generateKey(accountKey, { type: "rsa", bits: 2048 });
        const account = requireAccount(await client.run(["account", "--register", "--tos-agreed", contacts[0] ?? ""]), "lacme account --register");
        if (account.status !== "valid") throw new ScenarioFailure(`the account object lacme printed has status ${JSON.stringify(account.status)}, expected "valid"`);
        requireContacts(account, [contacts[0] ?? ""], "after --register");
      },
    },
    {
      // lacme sends the same payload to newAccount (onlyReturnExisting) and then to the account URL.
      name: "lacme account <2 contacts> updates the account (RFC 8555 §7.3.2), lacme account reads it back",
      run: async () => {
        requireContacts(requireAccount(await client.run(["account", ...contacts]), "lacme account (update)"), contacts, "in the update's answer");
        requireContacts(requireAccount(await client.run(["account"]), "lacme account (read)"), contacts, "read back");
      },
    },
    {
      name: "lacme newOrder http-01 (its own webserver, ECDSA P-256, 2 names)",
      run: async () => {
        await generateKey(ecdsa.keyPath, { type: "ec", curve: "P-256" });
        const result = await client.run(["newOrder", ecdsa.name]);
        requireSuccess(result, "lacme newOrder");
        const served = new Set(servedChallenges(result.stderr));
        if (served.size < ecdsa.names.length) throw new ScenarioFailure(`lacme's webserver served ${served.size} http-01 token(s), expected ${ecdsa.names.length}`, tail(result.stderr, 15));
        issued.set(ecdsa.name, await client.check(ecdsa, p256));
      },
    },
    {
      name: "lacme newOrder http-01 (challenge-directory of an existing web server, RSA 3072)",
      run: async () => {
        await generateKey(rsa.keyPath, { type: "rsa", bits: 3072 });
        const webroot = await withWebroot(webrootFolder, context.ports.http01, async (served) => {
          requireSuccess(await webrootClient.run(["newOrder", rsa.name]), "lacme newOrder (challenge-directory)");
          return served;
        });
        const fetched = webroot.requested.filter((path) => path.startsWith("/.well-known/acme-challenge/")).length;
        if (fetched < rsa.names.length) throw new ScenarioFailure(`the validator fetched ${fetched} http-01 token(s) from the challenge directory, expected ${rsa.names.length}`);
        issued.set(rsa.name, await webrootClient.check(rsa, { type: "rsa", bits: 3072 }));
      },
    },
    refusedCsr("lacme RSA 2048 certificate key (openssl genpkey's default) refused with badCSR", rsa2048, { type: "rsa", bits: 2048 }, [/2048/, /3072/]),
    refusedCsr("lacme tlsfeature = status_request (OCSP Must-Staple) refused with badCSR", staple, { type: "ec", curve: "P-256" }, [/Must-Staple/]),
    {
      name: "lacme newOrder skips a certificate far from expiry (min-days), --force renews it (same key, new serial)",
      run: async () => {
        const first = need(ecdsa.name);
        const skipped = await client.run(["newOrder", ecdsa.name]);
        requireSuccess(skipped, "lacme newOrder (not due)");
        if (!/\[ecdsa\] Valid until .*, skipping/.test(skipped.stderr)) throw new ScenarioFailure("lacme did not say it skipped a certificate far from expiry", tail(skipped.stderr, 10));
        if ((await client.check(ecdsa, p256)).serial !== first.serial) throw new ScenarioFailure("lacme replaced a certificate it said it skipped");
        requireSuccess(await client.run(["newOrder", "--force", ecdsa.name]), "lacme newOrder --force");
        const renewed = await client.check(ecdsa, p256);
        if (renewed.serial === first.serial) throw new ScenarioFailure(`lacme newOrder --force kept serial ${first.serial}`);
        issued.set(ecdsa.name, renewed);
      },
    },
    {
      // lacme sends no reason: the CRL entry's is unspecified (RFC 5280 §5.3.1).
      name: "lacme revokeCert (account key), then again: alreadyRevoked",
      run: async () => {
        const check = await revocationCheckOf(context, need(ecdsa.name), "lacme-revoke-account");
        await requireNotRevoked(check);
        requireSuccess(await client.run(["revokeCert", ecdsa.certificatePath]), "lacme revokeCert");
        await requireRevoked(check, CRL_REASON.unspecified);
        requireProblem(await client.run(["revokeCert", ecdsa.certificatePath]), "a second lacme revokeCert", "alreadyRevoked");
      },
    },
    {
      // lacme first asks newAccount (onlyReturnExisting) for the key's account; none: it signs with a jwk.
      name: "lacme revokeCert signed by the certificate's key (lacme-accountd holding it)",
      run: async () => {
        const check = await revocationCheckOf(context, need(rsa.name), "lacme-revoke-certkey");
        await requireNotRevoked(check);
        requireSuccess(await certKeyClient.run(["revokeCert", rsa.certificatePath]), "lacme revokeCert with the certificate key");
        await requireRevoked(check, CRL_REASON.unspecified);
      },
    },
    {
      name: "lacme account --deactivate (RFC 8555 §7.3.6), then its newOrder refused with unauthorized",
      run: async () => {
        const account = requireAccount(await client.run(["account", "--deactivate"]), "lacme account --deactivate");
        if (account.status !== "deactivated") throw new ScenarioFailure(`after --deactivate the account object has status ${JSON.stringify(account.status)}, expected "deactivated"`);
        requireProblem(await client.run(["newOrder", "--force", ecdsa.name]), "lacme newOrder with a deactivated account", "unauthorized");
      },
    },
  ];
}

/**
 * RFC 8555 §7.3.4 against a server that requires it: lacme 0.8.2 cannot send an External
 * Account Binding, so its newAccount must be refused with externalAccountRequired.
 */
export function lacmeEabScenario(context: InteropContext): Scenario {
  return {
    name: "EAB required: lacme account --register (no EAB support) refused with externalAccountRequired",
    run: async () => {
      const folder = join(context.workspace, "lacme-eab-files");
      await mkdir(folder, { recursive: true });
      const accountKey = join(folder, "account.key");
      await generateKey(accountKey, { type: "rsa", bits: 2048 });
      const client = await lacme(context, { folder: "lacme-eab", accountKeyPath: accountKey, serving: { listen: `127.0.0.1:${context.ports.http01}` }, sections: [] });
      requireProblem(await client.run(["account", "--register", "--tos-agreed", `mailto:${CONTACT_EMAIL}`]), "lacme account --register without a binding", "externalAccountRequired");
    },
  };
}
