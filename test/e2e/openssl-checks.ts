/**
 * What `openssl` says of what the server handed out (issue 4 proof: "the embedded CA's CRL lists
 * revoked serials and verifies with `openssl crl`; issued chains verify with `openssl verify`"):
 * an independent X.509 implementation reading the ACME client's chain and the CRL served over HTTP.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openssl, pemBlocks } from "../ca/helpers.js";

async function withFiles<T>(files: Readonly<Record<string, string | Uint8Array>>, run: (path: (name: string) => string) => T): Promise<Awaited<T>> {
  const dir = await mkdtemp(join(tmpdir(), "certeasy-openssl-"));
  try {
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    return await run((name) => join(dir, name));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `openssl verify -x509_strict -purpose sslserver` of the chain's leaf, its other certificates untrusted, against `rootPem`. */
export function opensslVerifyChain(chainPem: string, rootPem: string, crlDer?: Uint8Array): Promise<{ status: number | null; output: string }> {
  const [leaf = "", ...intermediates] = pemBlocks(chainPem);
  return withFiles({ "leaf.pem": leaf, "untrusted.pem": intermediates.join("") || leaf, "root.pem": rootPem, ...(crlDer ? { "crl.der": crlDer } : {}) }, (path) => {
    const crl = crlDer ? ["-crl_check", "-CRLfile", path("crl.der")] : [];
    const result = openssl(["verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", path("root.pem"), "-untrusted", path("untrusted.pem"), ...crl, path("leaf.pem")]);
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
  });
}

/** `openssl crl -verify -text` of a DER CRL against its issuer: the text, or the failure. */
export function opensslCrlText(crlDer: Uint8Array, issuerPem: string): Promise<{ verified: boolean; text: string }> {
  return withFiles({ "crl.der": crlDer, "issuer.pem": issuerPem }, (path) => {
    const result = openssl(["crl", "-inform", "DER", "-in", path("crl.der"), "-CAfile", path("issuer.pem"), "-verify", "-noout", "-text"]);
    return { verified: result.status === 0 && result.stderr.trim() === "verify OK", text: result.stdout };
  });
}

/**
 * `openssl req -new -subj /CN=<cn>`: a CSR that names its one DNS name in the CN and requests no
 * extension — the single-name CSR acme-tiny's README has its users make.
 */
export function opensslCommonNameCsr(keyPem: string | Uint8Array, cn: string): Promise<{ pem: string; text: string }> {
  return withFiles({ "key.pem": keyPem }, (path) => {
    const made = openssl(["req", "-new", "-key", path("key.pem"), "-subj", `/CN=${cn}`]);
    if (made.status !== 0) throw new Error(`openssl req failed: ${made.stderr}`);
    return { pem: made.stdout, text: openssl(["req", "-noout", "-text"], Buffer.from(made.stdout)).stdout };
  });
}
