/**
 * lacme's files and output, without running it: its three config files (lacme.conf,
 * lacme-accountd.conf, lacme-certs.conf, INI read by Config::Tiny) and what it prints (the
 * account object on stdout, its webserver's requests on stderr under --debug).
 */

/** How the http-01 answers reach the validator (RFC 8555 §8.3). */
export type ChallengeServing =
  /** lacme's own webserver, listening on this `address:port` */
  | { readonly listen: string }
  /** files in this folder, served by a web server that is already there */
  | { readonly challengeDirectory: string };

/** One section of lacme-certs.conf: one certificate. */
export interface CertSection {
  readonly name: string;
  /** the first one is the subject's CN; all are dNSName SANs */
  readonly names: readonly string[];
  readonly keyPath: string;
  /** the leaf alone */
  readonly certificatePath: string;
  /** leaf and the chain the server sent */
  readonly chainPath: string;
  /** x509v3_config `tlsfeature`, e.g. `status_request` (OCSP Must-Staple, RFC 7633) */
  readonly tlsfeature?: string;
}

export type KeySpec = { readonly type: "rsa"; readonly bits: number } | { readonly type: "ec"; readonly curve: "P-256" | "P-384" };

export interface LacmeConfigOptions {
  readonly directoryUrl: string;
  readonly rootCaPath: string;
  readonly serving: ChallengeServing;
  readonly accountdConfigPath: string;
  readonly certsConfigPath: string;
}

/**
 * `key = value` for Config::Tiny: one line, surrounding blanks dropped. lacme expands `%`
 * specifiers in paths (config-certs, challenge-directory, the accountd settings), so a `%`
 * would be read as something else.
 */
function setting(name: string, value: string): string {
  if (/[\r\n%]/.test(value) || value.trim() !== value) throw new Error(`lacme setting ${name}: ${JSON.stringify(value)} cannot be written to its config as is`);
  return `${name} = ${value}`;
}

/** lacme splits a `command` on blanks: no argument may hold one. */
function command(words: readonly string[]): string {
  const blank = words.find((word) => /\s/.test(word) || word === "");
  if (blank !== undefined) throw new Error(`lacme command word ${JSON.stringify(blank)} would be split or lost on blanks`);
  return words.join(" ");
}

/** The environment lacme leaves its ACME client: nothing, so the CA file goes through env(1). */
const CLIENT = "/usr/libexec/lacme/client";

export function lacmeConfig(options: LacmeConfigOptions): string {
  const serving =
    "listen" in options.serving
      ? [setting("listen", options.serving.listen)]
      : // An empty listen: no webserver of lacme's; it writes the files to the folder.
        ["listen =", setting("challenge-directory", options.serving.challengeDirectory)];
  return [
    setting("config-certs", options.certsConfigPath),
    "",
    "[client]",
    setting("server", options.directoryUrl),
    // LWP verifies the server against this file alone (LWP::UserAgent's ssl_opts SSL_ca_file).
    setting("command", command(["/usr/bin/env", `PERL_LWP_SSL_CA_FILE=${options.rootCaPath}`, CLIENT])),
    // Empty: no privilege drop (lacme(8): "Skip privilege drop if the value is empty").
    "user =",
    "group =",
    "",
    "[webserver]",
    ...serving,
    "user =",
    "group =",
    "",
    "[accountd]",
    setting("config", options.accountdConfigPath),
    "",
  ].join("\n");
}

/** lacme-accountd.conf: the account key (RSA only in 0.8.2: Crypt::OpenSSL::RSA). */
export function accountdConfig(privateKeyPath: string): string {
  return [setting("privkey", `file:${privateKeyPath}`), ""].join("\n");
}

/** lacme-certs.conf: every certificate is checked by lacme against `caFile` after issuance. */
export function certsConfig(caFile: string, sections: readonly CertSection[]): string {
  const lines = [setting("CAfile", caFile), ""];
  for (const section of sections) {
    if (!/^[A-Za-z0-9_.-]+$/.test(section.name)) throw new Error(`lacme certs section name ${JSON.stringify(section.name)}`);
    const [first] = section.names;
    if (first === undefined) throw new Error(`lacme certs section ${section.name} names nothing`);
    lines.push(
      `[${section.name}]`,
      setting("certificate-key", section.keyPath),
      setting("certificate", section.certificatePath),
      setting("certificate-chain", section.chainPath),
      setting("subject", `/CN=${first}`),
      setting("subjectAltName", section.names.map((name) => `DNS:${name}`).join(",")),
      ...(section.tlsfeature === undefined ? [] : [setting("tlsfeature", section.tlsfeature)]),
      "",
    );
  }
  return lines.join("\n");
}

/** `openssl genpkey` arguments for a key as lacme's manual makes them. */
export function keyGenArgs(path: string, spec: KeySpec): string[] {
  return spec.type === "rsa"
    ? ["genpkey", "-algorithm", "RSA", "-pkeyopt", `rsa_keygen_bits:${spec.bits}`, "-out", path]
    : ["genpkey", "-algorithm", "EC", "-pkeyopt", `ec_paramgen_curve:${spec.curve}`, "-pkeyopt", "ec_param_enc:named_curve", "-out", path];
}

export interface AccountObject {
  readonly status?: unknown;
  readonly contact?: unknown;
}

/**
 * The account object `lacme account` prints on stdout (RFC 8555 §7.1.2): one JSON line when
 * stdout is not a terminal, indented when it is. Null when there is none.
 */
export function parseAccountObject(stdout: string): AccountObject | null {
  const text = stdout.trim();
  if (!text.startsWith("{")) return null;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as AccountObject) : null;
  } catch {
    return null;
  }
}

/**
 * The tokens lacme's webserver was asked for, oldest first: under --debug it logs each request
 * as `[pid] Incoming connection from [peer]: GET /.well-known/acme-challenge/<token> HTTP/1.1`.
 * Its processes share one stderr, and the ACME client prints JSON without a newline, so such a
 * line may start in the middle of another: it is looked for anywhere.
 */
export function servedChallenges(stderr: string): string[] {
  return [...stderr.matchAll(/Incoming connection from \[[^\]]*\]: (?:GET|HEAD) \/\.well-known\/acme-challenge\/([A-Za-z0-9_-]+) HTTP\/1\.[01]/g)].map((match) => match[1] ?? "");
}
