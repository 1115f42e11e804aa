/**
 * acmetool (Debian's 0.2.2, Go, by Hugo Landau; ACME v2 since 0.2.1) against Certeasy, driven as
 * its README.Debian says an operator automates it: `quickstart --batch` with a response file
 * (server, key, webroot mode, contact) registers the account; target files in its `desired/`
 * folder say which certificates to have, and `reconcile` (what its cron job runs) gets them.
 * One certificate for three names is answered by http-01 through its webroot (served by the
 * run's webroot) and dns-01 for the wildcard through its hook; a 2048-bit RSA key and
 * Must-Staple are refused with badCSR; a changed target is re-issued from the account's valid
 * authorizations (RFC 8555 §7.1.3); a certificate known only by its order URL is fetched again;
 * and `revoke` is shown to send nothing (0.2.2 only marks the certificate). It has no External
 * Account Binding: against a server that requires one it is refused with externalAccountRequired
 * (§7.3.4).
 *
 * acmetool reaches outside its state folder whatever it is told: for http-01 it binds :80, 402
 * and 4402 and writes every answer to /var/run/acme/acme-challenge too, and as root its
 * quickstart may write /etc/cron.d. Each acmetool runs in a user and mount namespace of its
 * own: /run and /etc/cron.d are folders of the run there, and the machine's ports below 1024
 * cannot be bound from a user namespace, so only its loopback listeners on 4402 start. Go
 * trusts SSL_CERT_FILE and SSL_CERT_DIR, both set to the server's root alone.
 */
import { copyFile, mkdir, readFile, readlink, realpath, rm, stat, writeFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { requireProblem } from "./acme-errors.js";
import { liveUpdatedNames, parseAccountThumbprints, quickstartResponses, targetFile, type TargetOptions } from "./acmetool-config.js";
import { validatedChallengeTypes } from "./caddy-log.js";
import { checkIssued, describePrivateKey, pemCertificates, type ExpectedKey, type IssuedCertificate } from "./certificates.js";
import { writeAcmetoolHook } from "./client-hooks.js";
import { CONTACT_EMAIL, scratchFile, type InteropContext } from "./context.js";
import { clientEnv, runProgram, type ProgramResult } from "./processes.js";
import { requireNotRevoked, revocationCheckOf } from "./revocation.js";
import { ScenarioFailure, requireSuccess, tail, type Scenario } from "./scenario.js";
import { exportedEvents, registeredAccount } from "./server-events.js";
import { withWebroot } from "./webroot.js";

/** From a user namespace only the machine's ports from this number up can be bound: acmetool's 80 and 402 must be below it. */
const UNPRIVILEGED_PORT_START = "/proc/sys/net/ipv4/ip_unprivileged_port_start";
const ACMETOOL_LOW_PORTS = [80, 402];

export interface Acmetool {
  /** `acmetool --state … --hooks … --batch --response-file … <args…>` in its namespaces */
  run(args: readonly string[]): Promise<ProgramResult>;
  readonly state: string;
  /** the folder acmetool writes http-01 answers to (its webroot path) */
  readonly webroot: string;
  /** what the `live-updated` hook was given, appended */
  readonly liveLog: string;
  /** write `desired/<file>` */
  want(file: string, options: TargetOptions): Promise<void>;
  /** the certificate ID `live/<name>` points to */
  liveCertificate(name: string): Promise<string>;
  /** check what `live/<names[0]>/` holds */
  check(names: readonly string[], key: ExpectedKey): Promise<IssuedCertificate>;
}

/** A folder holding only the server's root: Go's SSL_CERT_DIR (it reads the system folders unless told another). */
async function trustFolder(context: InteropContext, folder: string): Promise<string> {
  const trust = join(folder, "trust");
  await mkdir(trust, { recursive: true });
  await copyFile(context.server.rootCaPath, join(trust, "root-ca.pem"));
  return trust;
}

async function requireUnbindableLowPorts(): Promise<void> {
  const start = Number((await readFile(UNPRIVILEGED_PORT_START, "utf8").catch(() => "1024")).trim());
  if (ACMETOOL_LOW_PORTS.some((port) => port >= start)) {
    throw new ScenarioFailure(`${UNPRIVILEGED_PORT_START} is ${start}: acmetool would bind ports ${ACMETOOL_LOW_PORTS.join(" and ")} on every interface`);
  }
}

export async function acmetool(context: InteropContext, folder: string): Promise<Acmetool> {
  const base = join(context.workspace, folder);
  const state = join(base, "state");
  const hooks = join(base, "hooks");
  const webroot = join(base, "www", ".well-known", "acme-challenge");
  const responses = join(base, "responses.yaml");
  const liveLog = join(base, "live-updated.log");
  const privateRun = join(base, "run");
  const privateCron = join(base, "cron.d");
  for (const path of [state, hooks, privateRun, privateCron]) await mkdir(path, { recursive: true });
  const trust = await trustFolder(context, base);
  await writeAcmetoolHook(hooks, context.dnsHookPath, liveLog);
  await writeFile(responses, quickstartResponses({ directoryUrl: context.server.directoryUrl, webrootPath: webroot, email: CONTACT_EMAIL, key: { type: "ec", curve: "prime256v1" } }));
  // /var/run is a link to /run on Debian: the folder it names is the one replaced.
  const systemRun = await realpath("/var/run").catch(() => "/run");
  const bindThenRun = 'mount --bind "$0" "$1" && { [ ! -d /etc/cron.d ] || mount --bind "$2" /etc/cron.d; } && shift 2 && exec "$@"';
  const live = (name: string): string => join(state, "live", name);
  return {
    state,
    webroot,
    liveLog,
    run: async (args) => {
      await requireUnbindableLowPorts();
      return runProgram(
        "unshare",
        [
          ...["--user", "--map-root-user", "--mount", "--propagation", "private"],
          ...["sh", "-c", bindThenRun, privateRun, systemRun, privateCron],
          ...["acmetool", "--state", state, "--hooks", hooks, "--batch", "--response-file", responses, ...args],
        ],
        { env: clientEnv({ SSL_CERT_FILE: context.server.rootCaPath, SSL_CERT_DIR: trust, CHALLTESTSRV_URL: context.dns.managementUrl }), timeoutMs: 60_000 },
      );
    },
    want: async (file, options) => {
      await mkdir(join(state, "desired"), { recursive: true });
      await writeFile(join(state, "desired", file), targetFile(options));
    },
    liveCertificate: async (name) => basename(await readlink(live(name)).catch(() => "")),
    check: async (names, key) => {
      const folder = live(names[0] ?? "");
      return checkIssued(
        { leafPath: join(folder, "cert"), chainPath: join(folder, "chain"), keyPath: join(folder, "privkey") },
        { rootCaPath: context.server.rootCaPath, names, key },
        await scratchFile(context, `acmetool-${names[0] ?? ""}`),
      );
    },
  };
}

/** The server's log since `mark` (a length of its stderr). */
const serverLogSince = (context: InteropContext, mark: number): string => context.server.stderr().slice(mark);

export async function acmetoolScenarios(context: InteropContext): Promise<Scenario[]> {
  const client = await acmetool(context, "acmetool");
  const names = ["acmetool.test", "www.acmetool.test", "*.wild.acmetool.test"];
  const [apex = "", www = "", wildcard = ""] = names;
  const target = "acmetool.test";
  const p256 = { type: "ec", curve: "prime256v1" } as const;
  const rsa3072 = { type: "rsa", bits: 3072 } as const;
  const issued: { first?: IssuedCertificate; firstId?: string; reissued?: IssuedCertificate; reissuedId?: string } = {};
  const need = <T>(value: T | undefined, scenario: string): T => {
    if (value === undefined) throw new ScenarioFailure(`needs the certificate of "${scenario}", which failed`);
    return value;
  };
  const issueScenario = "acmetool reconcile: apex, www and a wildcard in one certificate (http-01 webroot + dns-01 hook, ECDSA P-256)";
  const reissueScenario = "acmetool reconcile re-issues for a changed target (RSA 3072), from the valid authorizations";
  /** A target needing an RSA certificate: the ECDSA one in place no longer satisfies it, so reconcile orders. */
  const wantRsa = (bits: number, ocspMustStaple = false): Promise<void> =>
    client.want(target, { names, key: { type: "rsa", bits }, satisfyKeyType: "rsa", ocspMustStaple });

  return [
    {
      name: "acmetool quickstart --batch (response file: Certeasy's URL, ECDSA P-256, webroot, contact)",
      run: async () => {
        requireSuccess(await client.run(["quickstart"]), "acmetool quickstart");
        const conf = await readFile(join(client.state, "conf", "target"), "utf8").catch(() => "");
        if (!conf.includes(context.server.directoryUrl) || !conf.includes(client.webroot)) {
          throw new ScenarioFailure("quickstart did not write the server's URL and the webroot into conf/target", tail(conf, 10));
        }
        const thumbprints = await client.run(["account-thumbprint"]);
        requireSuccess(thumbprints, "acmetool account-thumbprint");
        const [account, ...others] = parseAccountThumbprints(thumbprints.stdout);
        if (account === undefined || others.length > 0) throw new ScenarioFailure("acmetool lists no account, or more than one", tail(thumbprints.stdout, 5));
        const key = describePrivateKey(await readFile(join(client.state, "accounts", account.accountId, "privkey"), "utf8"));
        if (key !== "ec prime256v1") throw new ScenarioFailure(`acmetool's account key is ${key}, expected ec prime256v1`);
        // The server registered that key, with the contact from the response file (RFC 8555 §7.3).
        const registered = registeredAccount(await exportedEvents(context), account.thumbprint);
        if (registered === null) throw new ScenarioFailure(`the server registered no account for acmetool's key (thumbprint ${account.thumbprint})`);
        if (JSON.stringify(registered.contact) !== JSON.stringify([`mailto:${CONTACT_EMAIL}`])) throw new ScenarioFailure(`the server's account names contact ${JSON.stringify(registered.contact)}, expected mailto:${CONTACT_EMAIL}`);
        const url = await client.run(["account-url"]);
        requireSuccess(url, "acmetool account-url");
        if (!url.stdout.trim().endsWith(`/${registered.accountId}`)) throw new ScenarioFailure(`acmetool account-url printed ${url.stdout.trim()}, not the URL of account ${registered.accountId}`);
      },
    },
    {
      name: issueScenario,
      run: async () => {
        await client.want(target, { names, key: p256 });
        const mark = context.server.stderr().length;
        const webroot = await withWebroot(client.webroot, context.ports.http01, async (served) => {
          requireSuccess(await client.run(["reconcile"]), "acmetool reconcile");
          return served;
        });
        const fetched = webroot.requested.filter((path) => path.startsWith("/.well-known/acme-challenge/")).length;
        if (fetched < 2) throw new ScenarioFailure(`the validator fetched ${fetched} http-01 token(s) from acmetool's webroot, expected 2`);
        // RFC 8555 §7.1.3: the wildcard's authorization names the base domain, and only dns-01 can prove it.
        const log = serverLogSince(context, mark);
        const types = { [apex]: validatedChallengeTypes(log, apex), [www]: validatedChallengeTypes(log, www), [wildcard]: validatedChallengeTypes(log, wildcard.slice(2)) };
        if (types[apex]?.join() !== "http-01" || types[www]?.join() !== "http-01" || types[wildcard]?.join() !== "dns-01") {
          throw new ScenarioFailure(`the server validated ${JSON.stringify(types)}, expected http-01 for the apex and www, dns-01 for the wildcard`);
        }
        issued.first = await client.check(names, p256);
        issued.firstId = await client.liveCertificate(apex);
        for (const name of names) {
          if ((await client.liveCertificate(name)) !== issued.firstId) throw new ScenarioFailure(`live/${name} does not point to the new certificate ${issued.firstId}`);
        }
        const reported = liveUpdatedNames(await readFile(client.liveLog, "utf8").catch(() => ""));
        if ([...reported].sort().join() !== [...names].sort().join()) throw new ScenarioFailure(`the live-updated hook got ${reported.join(", ") || "nothing"}, expected ${names.join(", ")}`);
      },
    },
    {
      // acmetool's own default RSA size; the default policy wants 3072 bits (reference §2.3).
      name: "acmetool request.key rsa-size 2048 refused with badCSR; the live certificate stays",
      run: async () => {
        const firstId = need(issued.firstId, issueScenario);
        await wantRsa(2048);
        const { detail } = requireProblem(await client.run(["reconcile"]), "acmetool reconcile with a 2048-bit RSA key", "badCSR");
        if (!/2048/.test(detail) || !/3072/.test(detail)) throw new ScenarioFailure(`the badCSR detail does not name 2048 and 3072 bits: "${detail}"`);
        if ((await client.liveCertificate(apex)) !== firstId) throw new ScenarioFailure("after the refusal live/ no longer points to the certificate acmetool had");
      },
    },
    {
      // The embedded CA publishes CRLs, no OCSP: a certificate a TLS server could never staple for is refused.
      name: "acmetool request.ocsp-must-staple refused with badCSR",
      run: async () => {
        await wantRsa(3072, true);
        const { detail } = requireProblem(await client.run(["reconcile"]), "acmetool reconcile with ocsp-must-staple", "badCSR");
        if (!/Must-Staple/.test(detail)) throw new ScenarioFailure(`the badCSR detail does not name the Must-Staple extension: "${detail}"`);
      },
    },
    {
      name: reissueScenario,
      run: async () => {
        const first = need(issued.first, issueScenario);
        await wantRsa(3072);
        const before = (await readFile(client.liveLog, "utf8").catch(() => "")).length;
        const mark = context.server.stderr().length;
        // No webroot: every authorization of the new order must already be valid.
        requireSuccess(await client.run(["reconcile"]), "acmetool reconcile (re-issue)");
        const validated = names.flatMap((name) => validatedChallengeTypes(serverLogSince(context, mark), name.replace(/^\*\./, "")));
        if (validated.length > 0) throw new ScenarioFailure(`the server validated ${validated.join(", ")} again instead of reusing the authorizations`);
        issued.reissued = await client.check(names, rsa3072);
        issued.reissuedId = await client.liveCertificate(apex);
        if (issued.reissued.serial === first.serial) throw new ScenarioFailure(`live/${apex} still holds serial ${first.serial}`);
        const reported = liveUpdatedNames((await readFile(client.liveLog, "utf8")).slice(before));
        if ([...reported].sort().join() !== [...names].sort().join()) throw new ScenarioFailure(`the live-updated hook got ${reported.join(", ") || "nothing"}, expected ${names.join(", ")}`);
      },
    },
    {
      // ACME-SSS: a certificate folder holding only its order URL is fetched at the next
      // reconcile — POST-as-GET of a finished order, then of its certificate (RFC 8555 §7.4.2).
      name: "acmetool reconcile downloads a certificate it holds only the order URL of",
      run: async () => {
        const first = need(issued.first, issueScenario);
        const folder = join(client.state, "certs", need(issued.firstId, issueScenario));
        for (const file of ["cert", "chain", "fullchain"]) await rm(join(folder, file));
        requireSuccess(await client.run(["reconcile"]), "acmetool reconcile with an uncached certificate");
        const leaf = pemCertificates(await readFile(join(folder, "cert"), "utf8").catch(() => ""))[0];
        const chain = pemCertificates(await readFile(join(folder, "chain"), "utf8").catch(() => "")).join("");
        if (leaf !== first.leafPem || chain !== first.chainPem) throw new ScenarioFailure(`acmetool did not download the certificate and chain it had from ${folder}/url again`);
      },
    },
    {
      // 0.2.2 marks the certificate (an empty `revoke` file) for reconcile to revoke, but its
      // ACME v2 reconcile has the revocation step commented out: nothing reaches the server.
      name: "acmetool revoke only marks the certificate: no revokeCert is sent (0.2.2)",
      run: async () => {
        const certificate = need(issued.reissued, reissueScenario);
        const id = need(issued.reissuedId, reissueScenario);
        const mark = context.server.stderr().length;
        requireSuccess(await client.run(["revoke", id]), "acmetool revoke");
        await stat(join(client.state, "certs", id, "revoke")).catch(() => {
          throw new ScenarioFailure(`acmetool revoke did not mark certs/${id} for revocation`);
        });
        requireSuccess(await client.run(["reconcile"]), "acmetool reconcile after revoke");
        if (/"path":"\/acme\/revoke-cert"/.test(serverLogSince(context, mark))) throw new ScenarioFailure("acmetool sent a revokeCert request: it revokes now, make this a revocation scenario");
        await requireNotRevoked(await revocationCheckOf(context, certificate, "acmetool-revoke"));
      },
    },
  ];
}

/** RFC 8555 §7.3.4: acmetool has no EAB, so a server that requires it refuses the registration. */
export function acmetoolEabScenario(context: InteropContext): Scenario {
  return {
    name: "EAB required: acmetool quickstart (no EAB support) refused with externalAccountRequired",
    run: async () => {
      const client = await acmetool(context, "acmetool-eab");
      requireProblem(await client.run(["quickstart"]), "acmetool quickstart against a server requiring EAB", "externalAccountRequired");
    },
  };
}
