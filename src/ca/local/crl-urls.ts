/**
 * Every URL at which the embedded CA's certificates were told to fetch its CRLs, kept in
 * `crl-urls.json` in the CA's directory. Certificates name the CRL URL of the server's external
 * base URL at the time they were issued; after the operator changes that base URL, the ones
 * issued before still name the old one. Each scope's CRL lists all of them in its issuing
 * distribution point (RFC 5280 §5.2.5 allows several names; §6.3.3 (b)(2)(i) accepts the CRL when
 * one of them matches the certificate's distribution point), so a relying party that still
 * reaches the server by an old URL gets a CRL whose scope covers the certificate it checks,
 * instead of "different CRL scope" — a failed revocation check.
 *
 * What is kept is the legacy CRL's URL of each base (`<base>/crl/<name>.crl`); a shard's URL
 * follows from it (`shardCrlUrl`). The file only grows: a URL is added, durably, before the CA
 * issues a certificate naming it.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { replaceFileDurably } from "./durable-file.js";
import { LocalAuthorityError } from "./errors.js";

export const CRL_URLS_FILE = "crl-urls.json";
const FILE_MODE = 0o600;

const CrlUrlsFile = z.strictObject({
  format: z.literal(1),
  /** in the order the CA first used them */
  crlUrls: z.array(z.url()).min(1),
});

/** Where shard `shard`'s CRL is served, for certificates that name `crlUrl` for the legacy one. */
export const shardCrlUrl = (crlUrl: string, shard: number): string => `${crlUrl.replace(/\.crl$/, "")}/${shard}.crl`;

/**
 * The CRL URLs certificates of the CA in `dir` may name: `current` first, then those recorded
 * before it. `current` is recorded (temp file, fsync, rename) if it was not already.
 */
export async function rememberCrlUrl(dir: string, current: string): Promise<readonly string[]> {
  const path = join(dir, CRL_URLS_FILE);
  const recorded = await readCrlUrls(path);
  if (!recorded.includes(current)) {
    await replaceFileDurably(path, `${JSON.stringify({ format: 1, crlUrls: [...recorded, current] }, null, 2)}\n`, FILE_MODE);
  }
  return [current, ...recorded.filter((url) => url !== current)];
}

async function readCrlUrls(path: string): Promise<readonly string[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    // No file: a new CA, or one upgraded from a version that kept none. The URLs that version's
    // certificates named are not known; from now on each one is.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw new LocalAuthorityError(`cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new LocalAuthorityError(`${path} is not JSON; restore it from a backup of the CA directory (it lists the CRL URLs the CA's certificates name)`);
  }
  const parsed = CrlUrlsFile.safeParse(json);
  if (!parsed.success) {
    throw new LocalAuthorityError(`${path} is not a CRL URL list of format 1: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ")}`);
  }
  return parsed.data.crlUrls;
}
