/**
 * lego (Debian's 4.9.1) against Certeasy: http-01 and tls-alpn-01 with its own responders on the
 * validator's ports, dns-01 through its `exec` provider and pebble-challtestsrv (a plain name
 * and a wildcard, RFC 8555 §7.1.3), forced renewal, revocation, and a refused RSA 2048 key.
 * This lego predates ARI (RFC 9773): it has no flag to renew by the server's window.
 */
import { join } from "node:path";
import { lastAcmeError } from "./acme-errors.js";
import { checkIssued, type ExpectedKey, type IssuedCertificate } from "./certificates.js";
import { CONTACT_EMAIL, scratchFile, type InteropContext } from "./context.js";
import { clientEnv, runProgram, type ProgramResult } from "./processes.js";
import { CRL_REASON, requireNotRevoked, requireRevoked, revocationCheckOf } from "./revocation.js";
import { ScenarioFailure, requireSuccess, tail, type Scenario } from "./scenario.js";

export interface LegoAccount {
  /** extra global flags, e.g. External Account Binding */
  readonly accountArgs?: readonly string[];
  /** subfolder of the workspace holding lego's --path */
  readonly folder: string;
}

export interface Lego {
  /** `lego <global flags> <command flags…>`: `args` ends with the command and its flags */
  run(args: readonly string[]): Promise<ProgramResult>;
  /** check what lego stored for the order whose first identifier is `names[0]` */
  check(names: readonly string[], key: ExpectedKey): Promise<IssuedCertificate>;
}

export function lego(context: InteropContext, account: LegoAccount): Lego {
  const path = join(context.workspace, account.folder);
  const env = clientEnv({
    LEGO_CA_CERTIFICATES: context.server.rootCaPath,
    // the exec DNS provider: our hook, polled every second, one second between the TXT
    // records of a wildcard and its apex (they share _acme-challenge.<apex>)
    EXEC_PATH: context.dnsHookPath,
    EXEC_POLLING_INTERVAL: "1",
    EXEC_PROPAGATION_TIMEOUT: "30",
    EXEC_SEQUENCE_INTERVAL: "1",
    CHALLTESTSRV_URL: context.dns.managementUrl,
  });
  const global = ["--server", context.server.directoryUrl, "--path", path, "--accept-tos", "--email", CONTACT_EMAIL, ...(account.accountArgs ?? [])];
  // lego files a certificate under its first identifier, `*` written `_`.
  const file = (name: string, suffix: string): string => join(path, "certificates", `${name.replaceAll("*", "_")}${suffix}`);
  return {
    run: (args) => runProgram("lego", [...global, ...args], { env, timeoutMs: 90_000 }),
    check: async (names, key) =>
      checkIssued(
        { leafPath: file(names[0] ?? "", ".crt"), chainPath: file(names[0] ?? "", ".issuer.crt"), keyPath: file(names[0] ?? "", ".key") },
        { rootCaPath: context.server.rootCaPath, names, key },
        await scratchFile(context, `lego-${names[0] ?? ""}`),
      ),
  };
}

const domains = (names: readonly string[]): string[] => names.flatMap((name) => ["-d", name]);

export function legoScenarios(context: InteropContext): Scenario[] {
  const client = lego(context, { folder: "lego" });
  const http = ["--http", "--http.port", `127.0.0.1:${context.ports.http01}`];
  const tls = ["--tls", "--tls.port", `127.0.0.1:${context.ports.tlsAlpn01}`];
  // --dns.disable-cp: ask the resolver once instead of the zone's authoritative servers,
  // which a test DNS server has none of.
  const dns = ["--dns", "exec", "--dns.resolvers", context.dns.resolver, "--dns.disable-cp"];
  const httpNames = ["lego-http.test"];
  let httpCertificate: IssuedCertificate | undefined;
  const needHttp = (): IssuedCertificate => {
    if (httpCertificate === undefined) throw new ScenarioFailure('needs the certificate of "lego http-01 issue (ECDSA P-256)", which failed');
    return httpCertificate;
  };
  const issue = (name: string, names: readonly string[], solver: readonly string[], key: ExpectedKey, keyType: string): Scenario => ({
    name,
    run: async () => {
      requireSuccess(await client.run([...domains(names), ...solver, "--key-type", keyType, "run"]), "lego run");
      const issued = await client.check(names, key);
      if (names === httpNames) httpCertificate = issued;
    },
  });

  return [
    issue("lego http-01 issue (ECDSA P-256)", httpNames, http, { type: "ec", curve: "prime256v1" }, "ec256"),
    issue("lego tls-alpn-01 issue (ECDSA P-384)", ["lego-tls.test"], tls, { type: "ec", curve: "secp384r1" }, "ec384"),
    issue("lego dns-01 issue (RSA 4096)", ["lego-dns.test"], dns, { type: "rsa", bits: 4096 }, "rsa4096"),
    issue("lego dns-01 wildcard (apex + *.apex)", ["wild.lego.test", "*.wild.lego.test"], dns, { type: "ec", curve: "prime256v1" }, "ec256"),
    {
      name: "lego renew --days 999",
      run: async () => {
        const before = needHttp();
        requireSuccess(await client.run([...domains(httpNames), ...http, "renew", "--days", "999", "--no-random-sleep"]), "lego renew");
        const renewed = await client.check(httpNames, { type: "ec", curve: "prime256v1" });
        if (renewed.serial === before.serial) throw new ScenarioFailure(`lego renew kept the old certificate (serial ${before.serial})`);
        httpCertificate = renewed;
      },
    },
    {
      name: "lego revoke --reason 4 (superseded)",
      run: async () => {
        const revocation = await revocationCheckOf(context, needHttp(), "lego-revoke");
        await requireNotRevoked(revocation);
        requireSuccess(await client.run([...domains(httpNames), "revoke", "--keep", "--reason", String(CRL_REASON.superseded)]), "lego revoke");
        await requireRevoked(revocation, CRL_REASON.superseded);
      },
    },
    {
      name: "lego RSA 2048 refused with badCSR",
      run: async () => {
        const result = await client.run([...domains(["rsa2048.lego.test"]), ...http, "--key-type", "rsa2048", "run"]);
        const output = result.stdout + result.stderr;
        if (result.code === 0) throw new ScenarioFailure("lego run with a 2048-bit RSA key succeeded, expected badCSR", tail(output, 10));
        const error = lastAcmeError(output);
        if (error?.type !== "badCSR" || !/2048/.test(error.detail) || !/3072/.test(error.detail)) {
          throw new ScenarioFailure(`lego did not show a badCSR naming 2048 and 3072 bits${error === null ? "" : ` (got ${error.type} "${error.detail}")`}`, tail(output, 10));
        }
      },
    },
  ];
}
