/**
 * lego (Debian's 4.9.1) against Certeasy: http-01 and tls-alpn-01 with its own responders on the
 * validator's ports, dns-01 through its `exec` provider and pebble-challtestsrv (a plain name
 * and a wildcard, RFC 8555 §7.1.3), a webroot served by the run, an operator's CSR, forced
 * renewal, revocation (`--keep`), and a refused RSA 2048 key and Must-Staple request.
 * This lego predates ARI (RFC 9773): it has no flag to renew by the server's window.
 *
 * Not here, on purpose:
 * - IP identifiers: lego 4.9.1 orders `-d 127.0.0.1` as a `dns` identifier, which the server
 *   refuses with rejectedIdentifier (RFC 8738 wants an `ip` one).
 * - `--preferred-chain`: both chains the server offers (RFC 8555 §7.4.2) end at the same root,
 *   so the top certificate's issuer CN lego matches on is the same for both; it keeps the default.
 */
import { X509Certificate } from "node:crypto";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { lastAcmeError, requireProblem } from "./acme-errors.js";
import { checkIssued, pemCertificates, type ExpectedKey, type IssuedCertificate } from "./certificates.js";
import { CONTACT_EMAIL, scratchFile, type InteropContext } from "./context.js";
import { opensslCsr } from "./operator-csr.js";
import { clientEnv, runProgram, type ProgramResult } from "./processes.js";
import { CRL_REASON, requireNotRevoked, requireRevoked, revocationCheckOf } from "./revocation.js";
import { ScenarioFailure, requireSuccess, tail, type Scenario } from "./scenario.js";
import { withWebroot } from "./webroot.js";

export interface LegoAccount {
  /** extra global flags, e.g. External Account Binding */
  readonly accountArgs?: readonly string[];
  /** subfolder of the workspace holding lego's --path */
  readonly folder: string;
}

export interface Lego {
  /** `lego <global flags> <command flags…>`: `args` ends with the command and its flags */
  run(args: readonly string[]): Promise<ProgramResult>;
  /** check what lego stored for the order whose first identifier is `names[0]` (with `--csr`, the key is the operator's, at `keyPath`) */
  check(names: readonly string[], key: ExpectedKey, keyPath?: string): Promise<IssuedCertificate>;
  /** where lego files the certificate of the order whose first identifier is `name` */
  certificatePath(name: string): string;
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
    certificatePath: (name) => file(name, ".crt"),
    check: async (names, key, keyPath) =>
      checkIssued(
        { leafPath: file(names[0] ?? "", ".crt"), chainPath: file(names[0] ?? "", ".issuer.crt"), keyPath: keyPath ?? file(names[0] ?? "", ".key") },
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
      // --keep: the revoked certificate stays where it was instead of moving to archives/.
      name: "lego revoke --keep --reason 4 (superseded): revoked, files kept",
      run: async () => {
        const revocation = await revocationCheckOf(context, needHttp(), "lego-revoke");
        await requireNotRevoked(revocation);
        requireSuccess(await client.run([...domains(httpNames), "revoke", "--keep", "--reason", String(CRL_REASON.superseded)]), "lego revoke");
        await requireRevoked(revocation, CRL_REASON.superseded);
        const kept = pemCertificates(await readFile(client.certificatePath(httpNames[0] ?? ""), "utf8").catch(() => ""))[0];
        if (kept === undefined || new X509Certificate(kept).serialNumber !== needHttp().serial) throw new ScenarioFailure("lego revoke --keep did not leave the revoked certificate in certificates/");
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
    {
      // The default policy takes no TLS Feature extension (RFC 7633): there is no OCSP responder.
      name: "lego run --must-staple refused with badCSR naming Must-Staple",
      run: async () => {
        const { detail } = requireProblem(await client.run([...domains(["staple.lego.test"]), ...http, "run", "--must-staple"]), "lego run --must-staple", "badCSR");
        if (!/Must-Staple/.test(detail)) throw new ScenarioFailure(`the badCSR detail does not name the Must-Staple extension: "${detail}"`);
      },
    },
    {
      // An operator's CSR: lego orders its names and files the certificate under the first.
      name: "lego --csr (openssl, ECDSA P-256, SAN) run",
      run: async () => {
        const folder = join(context.workspace, "lego-csr");
        await mkdir(folder, { recursive: true });
        const names = ["csr.lego.test", "www.csr.lego.test"];
        const { csrPath, keyPath } = await opensslCsr(folder, "csr", names, { type: "ec", curve: "P-256" });
        requireSuccess(await client.run(["--csr", csrPath, ...http, "run"]), "lego --csr run");
        await client.check(names, { type: "ec", curve: "prime256v1" }, keyPath);
      },
    },
    {
      // The site's web server answers http-01 (RFC 8555 §8.3) from the files lego writes.
      name: "lego --http.webroot: the validator fetches the token from the site's webroot",
      run: async () => {
        const webrootPath = join(context.workspace, "lego-site");
        const names = ["webroot.lego.test"];
        const fetched = await withWebroot(join(webrootPath, ".well-known", "acme-challenge"), context.ports.http01, async (webroot) => {
          requireSuccess(await client.run([...domains(names), "--http", "--http.webroot", webrootPath, "run"]), "lego run --http.webroot");
          return webroot.requested.filter((path) => path.startsWith("/.well-known/acme-challenge/")).length;
        });
        if (fetched < names.length) throw new ScenarioFailure(`the validator fetched ${fetched} token(s) from the webroot, expected ${names.length}`);
        await client.check(names, { type: "ec", curve: "prime256v1" });
      },
    },
  ];
}
