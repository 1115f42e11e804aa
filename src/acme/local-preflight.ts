/**
 * `certeasy adcs check` for the embedded CA (issue 4 "PKI health": "a self-check of the local
 * CA"): the CA opens as `serve` opens it — its files, their chain and the key password — and
 * passes the health self-check the server runs every minute (the issuing key signs, the CA has
 * not expired, the CRL can be reissued).
 *
 * The check creates nothing: before the first start there is no generated CA to open, and
 * opening would generate one, so it reports that the first start will (and whether it may write
 * the directory) instead.
 */
import { X509Certificate } from "node:crypto";
import { access } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { PreflightCheck } from "../ca/adcs-cli/preflight.js";
import { firstExistingWritable } from "../ca/writable-dir.js";
import { LocalRootCaError, ROOT_CA_CERTIFICATE_FILE } from "../ca/local/bootstrap.js";
import { LocalAuthorityError } from "../ca/local/errors.js";
import { ISSUING_CA_CERTIFICATE_FILE } from "../ca/local/issuing-ca.js";
import type { AuthorityConfig } from "../config/index.js";
import { type OpenAuthoritiesOptions, localCaDir, openConfiguredLocal } from "./authorities.js";

type LocalConfig = Extract<AuthorityConfig, { type: "local" }>;

export async function preflightLocal(
  config: LocalConfig,
  configs: readonly AuthorityConfig[],
  options: Pick<OpenAuthoritiesOptions, "workdir" | "baseUrl" | "certificateLifetimeMs" | "now">,
): Promise<readonly PreflightCheck[]> {
  const dir = localCaDir(options.workdir);
  const generated = config.provided === undefined;
  if (generated && !((await exists(join(dir, ROOT_CA_CERTIFICATE_FILE))) && (await exists(join(dir, ISSUING_CA_CERTIFICATE_FILE))))) {
    const writable = await firstExistingWritable([dir, options.workdir, dirname(options.workdir)]);
    return [
      writable.dir === null
        ? { name: "CA files", ok: false, detail: `no CA in ${dir} yet, and the first start could not create it: ${writable.failure}` }
        : { name: "CA files", ok: true, detail: `no CA in ${dir} yet: the first start generates the root and issuing CA there (${writable.dir} is writable)` },
    ];
  }
  let authority;
  try {
    authority = await openConfiguredLocal(config, configs, options);
  } catch (err) {
    if (err instanceof LocalAuthorityError || err instanceof LocalRootCaError || isFileError(err)) {
      return [{ name: "CA files", ok: false, detail: (err as Error).message }];
    }
    throw err;
  }
  const issuing = new X509Certificate(authority.issuingCertificatePem);
  const files: PreflightCheck = {
    name: "CA files",
    ok: true,
    detail: `${generated ? `generated CA in ${dir}` : "operator-provided CA"} opened: issuing CA ${issuing.subject.replace(/\n/g, ", ")}, valid until ${new Date(issuing.validTo).toISOString()}`,
  };
  const health = await authority.health();
  return [files, { name: "self-check", ok: health.healthy, detail: health.detail }];
}

const isFileError = (err: unknown): boolean => err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string";

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
