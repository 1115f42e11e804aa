/**
 * The bootstrap root CA: the smallest embedded CA that lets Certeasy serve HTTPS on first boot
 * with no operator-supplied certificate. It lives in `<workdir>/local-ca/` and is created once;
 * later boots load it. Clients trust `root-ca.pem` (certbot `REQUESTS_CA_BUNDLE`, lego
 * `LEGO_CA_CERTIFICATES`, acme.sh `--ca-bundle`).
 *
 * The full local CA (issuing CA under this root, CRLs) builds on this module. With a key
 * password (the local authority's `key-password-file` / `key-password-env`) the key is written
 * encrypted; a plain key found with a password configured is encrypted in place, once.
 */
import "reflect-metadata";
import { X509Certificate as NodeX509Certificate, createPrivateKey, type KeyObject } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import {
  ECDSA_WITH_SHA256,
  ensurePrivateDirectory,
  generateP256KeyPair,
  importP256PrivateKey,
  privateKeyToPkcs8Pem,
  randomSerialNumber,
  replaceFile,
  writeNewFile,
} from "./bootstrap-keys.js";
import { isEncryptedPem, openPrivateKey, sealPrivateKey, type KeyPassword } from "./key-protection.js";

export const ROOT_CA_CERTIFICATE_FILE = "root-ca.pem";
export const ROOT_CA_KEY_FILE = "root-ca.key";
const ROOT_CA_VALIDITY_YEARS = 10;
/** Backdating tolerates clients whose clocks run a little behind ours. */
const BACKDATE_MS = 5 * 60_000;

export interface LocalRootCa {
  readonly certificate: x509.X509Certificate;
  readonly certificatePem: string;
  readonly privateKey: CryptoKey;
  /** Absolute path of `root-ca.pem`: the certificate a client must trust. */
  readonly certificatePath: string;
  readonly keyPath: string;
  /** True when this call generated the CA (first boot). */
  readonly created: boolean;
}

export interface RootCaClock {
  readonly now: () => Date;
  /** encrypts the key on disk; null or absent: a plain PKCS#8 key (mode 0600) */
  readonly keyPassword?: KeyPassword | null | undefined;
}

export class LocalRootCaError extends Error {
  override readonly name = "LocalRootCaError";
}

/** Loads the root CA from `dir` (normally `<workdir>/local-ca`), creating it on first boot. */
export async function ensureLocalRootCa(
  dir: string,
  clock: RootCaClock = { now: () => new Date() },
): Promise<LocalRootCa> {
  const certificatePath = join(dir, ROOT_CA_CERTIFICATE_FILE);
  const keyPath = join(dir, ROOT_CA_KEY_FILE);
  const [hasCertificate, hasKey] = await Promise.all([exists(certificatePath), exists(keyPath)]);
  const password = clock.keyPassword ?? null;
  if (hasCertificate && hasKey) return loadRootCa(certificatePath, keyPath, clock.now(), password);
  if (hasCertificate || hasKey) {
    // Regenerating here would silently orphan every certificate clients already trust.
    const [present, missing] = hasCertificate ? [certificatePath, keyPath] : [keyPath, certificatePath];
    throw new LocalRootCaError(
      `local root CA is incomplete: ${missing} is missing while ${present} exists; ` +
        `restore ${missing} from backup, or remove ${present} to create a new root CA`,
    );
  }
  return createRootCa(dir, certificatePath, keyPath, clock.now(), password);
}

async function createRootCa(dir: string, certificatePath: string, keyPath: string, now: Date, password: KeyPassword | null): Promise<LocalRootCa> {
  await ensurePrivateDirectory(dir);
  const keys = await generateP256KeyPair();
  const notAfter = new Date(now);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + ROOT_CA_VALIDITY_YEARS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    // A per-installation suffix keeps two Certeasy roots distinguishable in a trust store.
    name: `CN=Certeasy Local Root CA ${randomSerialNumber().slice(0, 8)}, O=Certeasy`,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter,
    keys,
    signingAlgorithm: ECDSA_WITH_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const certificatePem = certificate.toString("pem") + "\n";
  // Key first: a crash between the two writes leaves a key without a certificate, which the
  // next boot reports instead of guessing.
  await writeNewFile(keyPath, sealPrivateKey(createPrivateKey(await privateKeyToPkcs8Pem(keys.privateKey)), password), 0o600);
  await writeNewFile(certificatePath, certificatePem, 0o644);
  return { certificate, certificatePem, privateKey: keys.privateKey, certificatePath, keyPath, created: true };
}

async function loadRootCa(certificatePath: string, keyPath: string, now: Date, password: KeyPassword | null): Promise<LocalRootCa> {
  const [certificatePem, keyPem] = await Promise.all([readFile(certificatePath, "utf8"), readFile(keyPath, "utf8")]);
  let nodeCertificate: NodeX509Certificate;
  try {
    nodeCertificate = new NodeX509Certificate(certificatePem);
  } catch (err) {
    throw new LocalRootCaError(`${certificatePath} is not a PEM certificate`, { cause: err });
  }
  if (!nodeCertificate.ca) throw new LocalRootCaError(`${certificatePath} is not a CA certificate`);
  let privateKey: CryptoKey;
  let keyObject: KeyObject;
  try {
    keyObject = openPrivateKey(keyPem, keyPath, password);
  } catch (err) {
    throw new LocalRootCaError(err instanceof Error ? err.message : String(err), { cause: err });
  }
  try {
    if (!nodeCertificate.checkPrivateKey(keyObject)) {
      throw new LocalRootCaError(`${keyPath} is not the private key of ${certificatePath}`);
    }
    privateKey = await importP256PrivateKey(keyObject);
  } catch (err) {
    if (err instanceof LocalRootCaError) throw err;
    throw new LocalRootCaError(`${keyPath} is not a usable ECDSA P-256 private key`, { cause: err });
  }
  // A password configured after the key was written: encrypt the same key in place (atomic).
  if (password && !isEncryptedPem(keyPem)) await replaceFile(keyPath, sealPrivateKey(keyObject, password), 0o600);
  if (new Date(nodeCertificate.validTo).getTime() <= now.getTime()) {
    throw new LocalRootCaError(
      `local root CA ${certificatePath} expired on ${nodeCertificate.validTo}; replace ${certificatePath} and ${keyPath}`,
    );
  }
  const certificate = new x509.X509Certificate(new Uint8Array(nodeCertificate.raw));
  return { certificate, certificatePem, privateKey, certificatePath, keyPath, created: false };
}

/** Only "no such file" means absent; any other failure (permissions…) must surface. */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
}
