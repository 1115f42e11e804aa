/**
 * Keys and CSRs made the way an operator makes them with openssl, for the clients that take a
 * CSR instead of making one (acme-tiny, `certbot --csr`, `lego --csr`).
 */
import { isIP } from "node:net";
import { join } from "node:path";
import { generateKey } from "./lacme.js";
import type { KeySpec } from "./lacme-config.js";
import { runProgram } from "./processes.js";
import { requireSuccess } from "./scenario.js";

/**
 * A key (`openssl genpkey`) and a CSR for `names` in `folder`, as an operator makes them for a
 * client that takes a CSR (acme-tiny, `certbot --csr`, `lego --csr`): the names as
 * subjectAltName (`DNS:`, or `IP:` for an address, RFC 8738), or the first name as CN only.
 */
export async function opensslCsr(folder: string, label: string, names: readonly string[], key: KeySpec, options: { readonly cnOnly?: boolean } = {}): Promise<{ csrPath: string; keyPath: string }> {
  const keyPath = join(folder, `${label}.key`);
  const csrPath = join(folder, `${label}.csr`);
  await generateKey(keyPath, key);
  const san = names.map((name) => (isIP(name) === 0 ? `DNS:${name}` : `IP:${name}`)).join(",");
  const subject = options.cnOnly === true ? ["-subj", `/CN=${names[0] ?? ""}`] : ["-subj", "/", "-addext", `subjectAltName=${san}`];
  requireSuccess(await runProgram("openssl", ["req", "-new", "-sha256", "-key", keyPath, ...subject, "-out", csrPath], { timeoutMs: 15_000 }), "openssl req -new");
  return { csrPath, keyPath };
}
