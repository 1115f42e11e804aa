/**
 * `certeasy adcs check` for the embedded CA (issue 4 "PKI health": "a self-check of the local
 * CA"), read-only: the check may run next to a serving node, so it writes nothing.
 *
 *   CA files    the root and issuing CA — generated in `<workdir>/local-ca`, or the operator's —
 *               load and chain as at boot, with the configured key password
 *   self-check  the issuing CA is valid now, its key signs, the revocation list reads, a CRL of
 *               it can be signed (built in memory only), and `crl-shards` agrees with the count
 *               recorded with the CA (crl-partition.ts), which `serve` would otherwise refuse
 *
 * It does not open the CA as `serve` does: opening publishes a fresh CRL (a new CRL number) and
 * compacts revoked.journal into revoked.json, which would race a running node's revocations.
 * Before the first start there is no generated CA; the check says the first start will make
 * one, and whether it may write there.
 */
import { X509Certificate } from "node:crypto";
import { access } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { PreflightCheck } from "../ca/adcs-cli/preflight.js";
import { LocalRootCaError, ROOT_CA_CERTIFICATE_FILE } from "../ca/local/bootstrap.js";
import { decideShardCount } from "../ca/local/crl-partition.js";
import { LocalAuthorityError } from "../ca/local/errors.js";
import { ISSUING_CA_CERTIFICATE_FILE, ISSUING_CA_KEY_FILE, type IssuingCa, loadProvidedIssuingCa } from "../ca/local/issuing-ca.js";
import { crlEntryOf, publishCrl } from "../ca/local/published-crl.js";
import { type RevocationPaths, readRevocations, revocationPaths } from "../ca/local/revocation-store.js";
import { firstExistingWritable } from "../ca/writable-dir.js";
import { ecdsaP256Signer } from "../ca/x509/signer.js";
import type { AuthorityConfig } from "../config/index.js";
import { localCaDir, localCaKeyPassword, providedCaFiles } from "./authorities.js";

type LocalConfig = Extract<AuthorityConfig, { type: "local" }>;

const PROBE = Buffer.from("certeasy adcs check: local CA self-check");

export async function preflightLocal(
  config: LocalConfig,
  configs: readonly AuthorityConfig[],
  options: { readonly workdir: string; readonly now: () => Date },
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
  // The generated CA is read like an operator's: load and check, never create or re-encrypt.
  const files = config.provided
    ? providedCaFiles(config.provided, options.workdir)
    : { rootCertificateFile: join(dir, ROOT_CA_CERTIFICATE_FILE), issuingCertificateFile: join(dir, ISSUING_CA_CERTIFICATE_FILE), issuingKeyFile: join(dir, ISSUING_CA_KEY_FILE) };
  let issuing: IssuingCa;
  try {
    ({ issuing } = await loadProvidedIssuingCa(files, options.now(), await localCaKeyPassword(configs, options.workdir)));
  } catch (err) {
    if (err instanceof LocalAuthorityError || err instanceof LocalRootCaError || isFileError(err)) {
      return [{ name: "CA files", ok: false, detail: (err as Error).message }];
    }
    throw err;
  }
  const subject = new X509Certificate(issuing.certificatePem).subject.replace(/\n/g, ", ");
  return [
    { name: "CA files", ok: true, detail: `${generated ? `generated CA in ${dir}` : "operator-provided CA"} loaded: issuing CA ${subject}, valid until ${issuing.notAfter.toISOString()}` },
    await selfCheck(issuing, revocationPaths(dir), options.now(), config.crlShards),
  ];
}

async function selfCheck(issuing: IssuingCa, paths: RevocationPaths, now: Date, configuredShards: number | undefined): Promise<PreflightCheck> {
  const name = "self-check";
  if (now.getTime() >= issuing.notAfter.getTime()) return { name, ok: false, detail: `the issuing CA expired on ${issuing.notAfter.toISOString()}` };
  try {
    const signer = ecdsaP256Signer(issuing.privateKey, issuing.publicKey);
    if (!signer.verify(PROBE, signer.sign(PROBE))) return { name, ok: false, detail: "the issuing CA key produced a signature that does not verify" };
    // The snapshot with its journal replayed, as the next start will read them.
    const state = await readRevocations(paths);
    const shards = decideShardCount(state.crlShards, configuredShards, paths.snapshot);
    publishCrl(issuing, signer, state.revocations.map(crlEntryOf), state.lastCrlNumber + 1n, now);
    return {
      name,
      ok: true,
      detail: `issuing CA signs; ${state.revocations.length} revocation(s) in ${paths.snapshot} and its journal, CRL signable; valid until ${issuing.notAfter.toISOString()}; ${shards} CRL shard(s)`,
    };
  } catch (err) {
    return { name, ok: false, detail: (err as Error).message };
  }
}

const isFileError = (err: unknown): boolean => err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string";

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
