/**
 * dehydrated (Debian's 0.7.0) against Certeasy: a bash client that builds every JWS by hand
 * with openssl and sends it with curl — the family acme.sh belongs to. Its RSA account key
 * signs RS256 with a `jwk`, then a `kid` found through newAccount's onlyReturnExisting
 * (RFC 8555 §7.3.1). It registers, answers http-01 from its WELLKNOWN folder (served by the
 * run's webroot) and dns-01 through its hook, revokes with its account key, and deactivates
 * its account (§7.3.6), after which the server refuses it.
 */
import { mkdir, readdir, readFile, readlink, rm, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { requireProblem } from "./acme-errors.js";
import { writeDehydratedHook } from "./client-hooks.js";
import { checkIssued, type ExpectedKey, type IssuedCertificate } from "./certificates.js";
import { CONTACT_EMAIL, scratchFile, type InteropContext } from "./context.js";
import { createEabKey, type EabCredentials } from "./eab.js";
import { clientEnv, runProgram, type ProgramResult } from "./processes.js";
import { CRL_REASON, requireNotRevoked, requireRevoked, revocationCheckOf } from "./revocation.js";
import { ScenarioFailure, requireSuccess, tail, type Scenario } from "./scenario.js";
import { withWebroot } from "./webroot.js";

export interface Dehydrated {
  /** `dehydrated --config <ours> <args…>` */
  run(args: readonly string[]): Promise<ProgramResult>;
  /** check what dehydrated stored under `certs/<names[0]>/` */
  check(names: readonly string[], key: ExpectedKey): Promise<IssuedCertificate>;
  /** the account's folder, `accounts/<base64url of the CA URL>/` */
  accountFolder(): Promise<string>;
  /** the folder dehydrated writes http-01 answers to (its WELLKNOWN) */
  readonly wellKnown: string;
  /** where its certificates are filed: `certs/<first name>/` */
  certFolder(name: string): string;
}

/** dehydrated's config is a bash file it sources: values are double-quoted, none may hold a quote. */
function configLine(name: string, value: string): string {
  if (/["$`\\]/.test(value)) throw new Error(`dehydrated config ${name}: ${value} holds a character the config file cannot carry`);
  return `${name}="${value}"`;
}

export async function dehydrated(context: InteropContext, folder: string, eab?: EabCredentials): Promise<Dehydrated> {
  const base = join(context.workspace, folder);
  const wellKnown = join(base, "well-known");
  const configPath = join(context.workspace, `${folder}.config`);
  // CURL_OPTS is split on blanks by dehydrated: the root's path must have none.
  if (/\s/.test(context.server.rootCaPath)) throw new Error(`the root CA path ${context.server.rootCaPath} holds a blank, which dehydrated's CURL_OPTS cannot carry`);
  await writeFile(
    configPath,
    [
      configLine("CA", context.server.directoryUrl),
      // curl verifies the server against the run's root only (dehydrated has no CA option).
      configLine("CURL_OPTS", `--cacert ${context.server.rootCaPath}`),
      configLine("BASEDIR", base),
      configLine("WELLKNOWN", wellKnown),
      configLine("CONTACT_EMAIL", CONTACT_EMAIL),
      // the server listens on 127.0.0.1; `localhost` may resolve to ::1 first
      configLine("IP_VERSION", "4"),
      ...(eab === undefined ? [] : [configLine("EAB_KID", eab.keyId), configLine("EAB_HMAC_KEY", eab.hmacKey)]),
      "",
    ].join("\n"),
  );
  // its temporary files (mktemp) stay in the workspace too
  const tmp = join(base, "tmp");
  await mkdir(tmp, { recursive: true });
  const env = clientEnv({ TMPDIR: tmp, CHALLTESTSRV_URL: context.dns.managementUrl });
  const certFolder = (name: string): string => join(base, "certs", name);
  return {
    run: (args) => runProgram("dehydrated", ["--config", configPath, ...args], { env, timeoutMs: 90_000 }),
    check: async (names, key) =>
      checkIssued(
        { leafPath: join(certFolder(names[0] ?? ""), "cert.pem"), chainPath: join(certFolder(names[0] ?? ""), "chain.pem"), keyPath: join(certFolder(names[0] ?? ""), "privkey.pem") },
        { rootCaPath: context.server.rootCaPath, names, key },
        await scratchFile(context, `dehydrated-${names[0] ?? ""}`),
      ),
    accountFolder: async () => {
      const accounts = join(base, "accounts");
      const [only, ...others] = await readdir(accounts).catch(() => []);
      if (only === undefined || others.length > 0) throw new ScenarioFailure(`expected one account folder under ${accounts}, found ${[only, ...others].filter(Boolean).join(", ") || "none"}`);
      return join(accounts, only);
    },
    wellKnown,
    certFolder,
  };
}

interface Registration {
  readonly status?: unknown;
  readonly contact?: unknown;
}

/** What `--register` left: the account object the server returned, and the account URL. */
export async function requireRegistered(client: Dehydrated, result: ProgramResult, directoryUrl: string): Promise<void> {
  requireSuccess(result, "dehydrated --register");
  const folder = await client.accountFolder();
  const account = JSON.parse(await readFile(join(folder, "registration_info.json"), "utf8")) as Registration;
  if (account.status !== "valid") throw new ScenarioFailure(`the account object dehydrated stored has status ${JSON.stringify(account.status)}, expected "valid"`);
  if (JSON.stringify(account.contact) !== JSON.stringify([`mailto:${CONTACT_EMAIL}`])) throw new ScenarioFailure(`the account object names contact ${JSON.stringify(account.contact)}, expected mailto:${CONTACT_EMAIL}`);
  const { url } = JSON.parse(await readFile(join(folder, "account_id.json"), "utf8")) as { url?: unknown };
  if (typeof url !== "string" || new URL(url).origin !== new URL(directoryUrl).origin) throw new ScenarioFailure(`dehydrated stored account URL ${JSON.stringify(url)}, not one of the server's`);
}

const domains = (names: readonly string[]): string[] => names.flatMap((name) => ["--domain", name]);

export async function dehydratedScenarios(context: InteropContext): Promise<Scenario[]> {
  const client = await dehydrated(context, "dehydrated");
  const hook = await writeDehydratedHook(join(context.workspace, "dehydrated-hook"), context.dnsHookPath);
  const directory = context.server.directoryUrl;
  const httpNames = ["dehydrated.test", "www.dehydrated.test"];
  let httpCertificate: IssuedCertificate | undefined;
  const needHttp = (): IssuedCertificate => {
    if (httpCertificate === undefined) throw new ScenarioFailure('needs the certificate of "dehydrated http-01 issue", which failed');
    return httpCertificate;
  };
  const dnsIssue = (name: string, names: readonly string[], algo: string, key: ExpectedKey): Scenario => ({
    name,
    run: async () => {
      requireSuccess(await client.run(["--cron", ...domains(names), "--challenge", "dns-01", "--hook", hook, "--algo", algo]), "dehydrated --cron (dns-01)");
      await client.check(names, key);
    },
  });

  return [
    {
      name: "dehydrated --register --accept-terms (RSA 4096 account key, RS256)",
      run: async () => requireRegistered(client, await client.run(["--register", "--accept-terms"]), directory),
    },
    {
      // No --algo: dehydrated's default certificate key, secp384r1.
      name: "dehydrated http-01 issue (WELLKNOWN folder, ECDSA P-384, 2 names)",
      run: async () => {
        const webroot = await withWebroot(client.wellKnown, context.ports.http01, async (served) => {
          requireSuccess(await client.run(["--cron", ...domains(httpNames)]), "dehydrated --cron (http-01)");
          return served;
        });
        // Two fresh authorizations: the validator fetched a token for each name.
        const fetched = webroot.requested.filter((path) => path.startsWith("/.well-known/acme-challenge/")).length;
        if (fetched < httpNames.length) throw new ScenarioFailure(`the validator fetched ${fetched} http-01 token(s) from the webroot, expected ${httpNames.length}`);
        httpCertificate = await client.check(httpNames, { type: "ec", curve: "secp384r1" });
      },
    },
    dnsIssue("dehydrated dns-01 issue (hook, RSA 4096)", ["dns.dehydrated.test"], "rsa", { type: "rsa", bits: 4096 }),
    dnsIssue("dehydrated dns-01 wildcard (apex + *.apex, ECDSA P-256)", ["wild.dehydrated.test", "*.wild.dehydrated.test"], "prime256v1", { type: "ec", curve: "prime256v1" }),
    {
      name: "dehydrated --revoke (account key, no reason), then again: alreadyRevoked",
      run: async () => {
        const revocation = await revocationCheckOf(context, needHttp(), "dehydrated-revoke");
        await requireNotRevoked(revocation);
        // dehydrated renames the file cert.pem points to: `<target>-revoked`.
        const link = join(client.certFolder(httpNames[0] ?? ""), "cert.pem");
        const target = resolve(dirname(link), await readlink(link));
        requireSuccess(await client.run(["--revoke", link]), "dehydrated --revoke");
        // RFC 8555 §7.6: without a reason the CRL entry's reason is unspecified (RFC 5280 §5.3.1).
        await requireRevoked(revocation, CRL_REASON.unspecified);
        requireProblem(await client.run(["--revoke", `${target}-revoked`]), "a second dehydrated --revoke", "alreadyRevoked");
      },
    },
    {
      name: "dehydrated --deactivate, then its newOrder refused with unauthorized",
      run: async () => {
        const result = await client.run(["--deactivate"]);
        requireSuccess(result, "dehydrated --deactivate");
        // dehydrated checks the status the server answered and marks the account deactivated,
        // then refuses to use it. The mark is removed so that the next order reaches the
        // server, which must refuse it (RFC 8555 §7.3.6).
        const mark = join(await client.accountFolder(), "deactivated");
        await rm(mark).catch(() => {
          throw new ScenarioFailure("dehydrated --deactivate did not mark the account deactivated: the server did not answer status deactivated", tail(result.stdout + result.stderr, 10));
        });
        requireProblem(await client.run(["--cron", ...domains(["refused.dehydrated.test"])]), "dehydrated --cron with a deactivated account", "unauthorized");
      },
    },
  ];
}

/** RFC 8555 §7.3.4 against a server that requires it: dehydrated signs the binding by hand (HS256 through `openssl dgst -mac HMAC`). */
export function dehydratedEabScenario(context: InteropContext): Scenario {
  return {
    name: "EAB: dehydrated EAB_KID/EAB_HMAC_KEY --register, then dns-01 issue",
    run: async () => {
      const client = await dehydrated(context, "dehydrated-eab", await createEabKey(context, "interop dehydrated"));
      const hook = await writeDehydratedHook(join(context.workspace, "dehydrated-eab-hook"), context.dnsHookPath);
      await requireRegistered(client, await client.run(["--register", "--accept-terms"]), context.server.directoryUrl);
      const names = ["eab.dehydrated.test"];
      requireSuccess(await client.run(["--cron", ...domains(names), "--challenge", "dns-01", "--hook", hook, "--algo", "prime256v1"]), "dehydrated --cron with an EAB account");
      await client.check(names, { type: "ec", curve: "prime256v1" });
    },
  };
}
