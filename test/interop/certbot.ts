/**
 * certbot (Debian's 2.1.0) against Certeasy: standalone http-01 on the validator's port, forced
 * renewal, revocation by the account key, and the RSA key sizes the default policy takes and
 * refuses (reference §2.3: RSA at least 3072 bits).
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { lastAcmeError, type AcmeError } from "./acme-errors.js";
import { checkIssued, type ExpectedKey, type IssuedCertificate } from "./certificates.js";
import { CONTACT_EMAIL, scratchFile, type InteropContext } from "./context.js";
import { clientEnv, runProgram, type ProgramResult } from "./processes.js";
import { CRL_REASON, requireNotRevoked, requireRevoked, revocationCheckOf } from "./revocation.js";
import { ScenarioFailure, requireSuccess, tail, type Scenario } from "./scenario.js";

export interface Certbot {
  run(verb: string, ...args: string[]): Promise<ProgramResult>;
  /** `certonly --standalone` on the validator's http-01 port, registering if needed */
  issue(certName: string, names: readonly string[], extraArgs: readonly string[]): Promise<ProgramResult>;
  /** check what certbot stored under `live/<certName>/` */
  check(certName: string, names: readonly string[], key: ExpectedKey): Promise<IssuedCertificate>;
  /** the debug log of the last run (certbot starts a new one per run) */
  lastLog(): Promise<string>;
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
  const env = clientEnv({ REQUESTS_CA_BUNDLE: context.server.rootCaPath });
  const run = (verb: string, ...rest: string[]): Promise<ProgramResult> => runProgram("certbot", [verb, ...common, ...rest], { env, timeoutMs: 90_000 });
  const live = (certName: string, file: string): string => join(root, "config", "live", certName, file);
  return {
    run,
    issue: (certName, names, extraArgs) =>
      run(
        "certonly",
        "--standalone", "--http-01-address", "127.0.0.1", "--http-01-port", String(context.ports.http01),
        "--server", context.server.directoryUrl, "--agree-tos", "-m", CONTACT_EMAIL,
        "--cert-name", certName,
        ...extraArgs,
        ...names.flatMap((name) => ["-d", name]),
      ),
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
  ];
}
