/**
 * The `adcs-certsrv` options, checked and completed once when the authority opens: the password
 * is read from its file or environment variable (never from the config file itself), the CA
 * bundle from its file. Errors are AdcsConfigError naming the config key.
 */
import { readFile } from "node:fs/promises";
import type { Logger as PinoLogger } from "pino";
import { AdcsConfigError } from "../adcs-cli/errors.js";
import type { CertsrvAuth } from "./http-client.js";

export type PasswordSource = { readonly kind: "file"; readonly path: string } | { readonly kind: "env"; readonly name: string };

export interface AdcsCertsrvAuthorityOptions {
  /** the authority's configured name (`authorities[].name`) */
  readonly name: string;
  /** `url`: the Web Enrollment site, https://host/certsrv/ */
  readonly url: string;
  /** `certificate-template`: the template's internal (cn) name */
  readonly template: string;
  readonly auth: CertsrvAuth;
  /** `DOMAIN\user` or `user@domain` for NTLM */
  readonly username: string;
  /** `password-file` or `password-env` */
  readonly password: PasswordSource;
  /** `ca-bundle`: PEM file of the CAs trusted for the site's TLS certificate; null: the system's */
  readonly caBundle: string | null;
  /** `default-timeout`: the longest one exchange with the site may take */
  readonly timeoutMs: number;
  readonly now: () => Date;
  readonly log?: PinoLogger | undefined;
}

export interface ResolvedCertsrvOptions {
  readonly baseUrl: URL;
  readonly password: string;
  readonly ca: string | undefined;
}

export async function resolveCertsrvOptions(options: AdcsCertsrvAuthorityOptions): Promise<ResolvedCertsrvOptions> {
  let baseUrl: URL;
  try {
    baseUrl = new URL(options.url);
  } catch {
    throw new AdcsConfigError("url", `url must be an https URL such as https://ca01.corp.example/certsrv/, got ${JSON.stringify(options.url)}`);
  }
  // Credentials travel on every request: never in clear text (and plain HTTP is ESC8's relay target).
  if (baseUrl.protocol !== "https:") throw new AdcsConfigError("url", `url must use https, got ${baseUrl.protocol}`);
  if (!baseUrl.pathname.endsWith("/")) baseUrl.pathname += "/";
  if (options.template.trim() === "" || /[\u0000-\u001f\u007f-\u009f:]/.test(options.template)) {
    // CertAttrib is "Name:Value" lines: a newline or ":" in the name would add an attribute (a SAN).
    throw new AdcsConfigError("template", `certificate-template must be a template name without ":" or control characters, got ${JSON.stringify(options.template)}`);
  }
  if (options.username.trim() === "" || options.username.includes(":")) {
    throw new AdcsConfigError("username", `username must be DOMAIN\\user or user@domain (no ":"), got ${JSON.stringify(options.username)}`);
  }
  if (!Number.isSafeInteger(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new AdcsConfigError("timeoutMs", `default-timeout must be a positive number of milliseconds, got ${options.timeoutMs}`);
  }
  const password = await readPassword(options.password);
  let ca: string | undefined;
  if (options.caBundle !== null) {
    ca = await readFile(options.caBundle, "utf8").catch((err: unknown) => {
      throw new AdcsConfigError("caBundle", `ca-bundle ${options.caBundle} cannot be read: ${(err as Error).message}`);
    });
    if (!ca.includes("-----BEGIN CERTIFICATE-----")) throw new AdcsConfigError("caBundle", `ca-bundle ${options.caBundle} holds no PEM certificate`);
  }
  return { baseUrl, password, ca };
}

async function readPassword(source: PasswordSource): Promise<string> {
  if (source.kind === "env") {
    const value = process.env[source.name];
    if (value === undefined || value === "") throw new AdcsConfigError("password", `password-env names ${source.name}, which is not set in Certeasy's environment`);
    return value;
  }
  const text = await readFile(source.path, "utf8").catch((err: unknown) => {
    throw new AdcsConfigError("password", `password-file ${source.path} cannot be read: ${(err as Error).message}`);
  });
  // A file written by an editor or `echo` ends with a newline that is not part of the password.
  const password = text.replace(/\r?\n$/, "");
  if (password === "") throw new AdcsConfigError("password", `password-file ${source.path} is empty`);
  return password;
}
