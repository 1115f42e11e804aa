/**
 * The embedded CA's issuing CA: a P-256 intermediate under the bootstrap root, kept next to it
 * as `issuing-ca.pem` / `issuing-ca.key`. Created once on first boot; later boots load it and
 * check it still belongs to that root. Like the root, it is never regenerated silently: a
 * half-present pair is an error, because a new issuing CA would orphan every issued chain.
 *
 * Leaves are signed by this key, so the root key is only used here, once. With a key password
 * the key is written encrypted (key-protection.ts), and a plain one is encrypted in place. An
 * operator may instead provide the issuing CA (certificate, key, and the root it chains to) as
 * files: `loadProvidedIssuingCa` reads them where they are and never writes them.
 */
import "reflect-metadata";
import { type KeyObject, X509Certificate as NodeX509Certificate, createPrivateKey, createPublicKey } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { subjectNameOf } from "../x509/certificate-fields.js";
import { ECDSA_WITH_SHA256, generateP256KeyPair, privateKeyToPkcs8Pem, randomSerialNumber, replaceFile, writeNewFile } from "./bootstrap-keys.js";
import type { LocalRootCa } from "./bootstrap.js";
import { LocalAuthorityError } from "./errors.js";
import { isEncryptedPem, openPrivateKey, sealPrivateKey, type KeyPassword } from "./key-protection.js";

export const ISSUING_CA_CERTIFICATE_FILE = "issuing-ca.pem";
export const ISSUING_CA_KEY_FILE = "issuing-ca.key";
/** Half the root's ten years: an issuing CA is rotated under a root that outlives it. */
const ISSUING_CA_VALIDITY_YEARS = 5;
const BACKDATE_MS = 5 * 60_000;
/** RFC 5280 ub-common-name */
const MAX_COMMON_NAME_LENGTH = 64;

export interface IssuingCa {
  readonly certificatePem: string;
  readonly certificateDer: Uint8Array;
  /** the subject Name's exact DER, the issuer of every leaf and CRL */
  readonly subjectName: Uint8Array;
  readonly subjectKeyId: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  readonly certificatePath: string;
  readonly keyPath: string;
  /** true when this call generated the issuing CA (first boot) */
  readonly created: boolean;
}

/** Loads the issuing CA from `dir`, creating it under `root` on first boot. */
export async function ensureIssuingCa(
  dir: string,
  root: LocalRootCa,
  authorityName: string,
  now: Date,
  password: KeyPassword | null = null,
): Promise<IssuingCa> {
  const certificatePath = join(dir, ISSUING_CA_CERTIFICATE_FILE);
  const keyPath = join(dir, ISSUING_CA_KEY_FILE);
  const [hasCertificate, hasKey] = await Promise.all([exists(certificatePath), exists(keyPath)]);
  if (hasCertificate && hasKey) {
    const issuing = await loadIssuingCa(certificatePath, keyPath, root, now, password);
    // A password configured after the key was written: encrypt the same key in place (atomic).
    if (password && !isEncryptedPem(await readFile(keyPath, "utf8"))) await replaceFile(keyPath, sealPrivateKey(issuing.privateKey, password), 0o600);
    return issuing;
  }
  if (hasCertificate || hasKey) {
    const [present, missing] = hasCertificate ? [certificatePath, keyPath] : [keyPath, certificatePath];
    throw new LocalAuthorityError(
      `local issuing CA is incomplete: ${missing} is missing while ${present} exists; ` +
        `restore ${missing} from backup, or remove ${present} to create a new issuing CA ` +
        `(certificates issued by the old one will no longer chain to it)`,
    );
  }
  return createIssuingCa(certificatePath, keyPath, root, authorityName, now, password);
}

/** The operator's own issuing CA and root (`root-certificate-file`, `issuing-certificate-file`, `issuing-key-file`). */
export interface ProvidedCaFiles {
  readonly rootCertificateFile: string;
  readonly issuingCertificateFile: string;
  readonly issuingKeyFile: string;
}

export async function loadProvidedIssuingCa(
  files: ProvidedCaFiles,
  now: Date,
  password: KeyPassword | null,
): Promise<{ readonly rootCertificatePem: string; readonly issuing: IssuingCa }> {
  const rootCertificatePem = await readFile(files.rootCertificateFile, "utf8").catch((err: unknown) => {
    throw new LocalAuthorityError(`root-certificate-file ${files.rootCertificateFile} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  });
  for (const [key, path] of [["issuing-certificate-file", files.issuingCertificateFile], ["issuing-key-file", files.issuingKeyFile]] as const) {
    if (!(await exists(path))) throw new LocalAuthorityError(`${key} ${path} does not exist`);
  }
  let root: NodeX509Certificate;
  try {
    root = new NodeX509Certificate(rootCertificatePem);
  } catch (err) {
    throw new LocalAuthorityError(`root-certificate-file ${files.rootCertificateFile} is not a PEM certificate`, { cause: err });
  }
  if (!root.ca) throw new LocalAuthorityError(`root-certificate-file ${files.rootCertificateFile} is not a CA certificate`);
  const issuing = await loadIssuingCa(files.issuingCertificateFile, files.issuingKeyFile, { certificatePem: rootCertificatePem, certificatePath: files.rootCertificateFile }, now, password);
  return { rootCertificatePem, issuing };
}

async function createIssuingCa(
  certificatePath: string,
  keyPath: string,
  root: LocalRootCa,
  authorityName: string,
  now: Date,
  password: KeyPassword | null,
): Promise<IssuingCa> {
  const keys = await generateP256KeyPair();
  const fiveYears = new Date(now);
  fiveYears.setUTCFullYear(fiveYears.getUTCFullYear() + ISSUING_CA_VALIDITY_YEARS);
  // Never outlive the root: a chain is only as valid as its shortest link.
  const notAfter = new Date(Math.min(fiveYears.getTime(), root.certificate.notAfter.getTime()));
  const rootKeyId = root.certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ CN: [`${authorityName} Issuing CA`.slice(0, MAX_COMMON_NAME_LENGTH)] }, { O: ["Certeasy"] }],
    issuer: root.certificate.subjectName,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter,
    publicKey: keys.publicKey,
    signingKey: root.privateKey,
    signingAlgorithm: ECDSA_WITH_SHA256,
    extensions: [
      // pathLenConstraint 0: this CA signs leaves only (RFC 5280 §4.2.1.9).
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      rootKeyId
        ? new x509.AuthorityKeyIdentifierExtension(rootKeyId)
        : await x509.AuthorityKeyIdentifierExtension.create(root.certificate.publicKey),
    ],
  });
  const certificatePem = certificate.toString("pem") + "\n";
  const privateKey = createPrivateKey(await privateKeyToPkcs8Pem(keys.privateKey));
  // Key first: a crash between the two writes leaves a key without a certificate, which the next
  // boot reports instead of guessing.
  await writeNewFile(keyPath, sealPrivateKey(privateKey, password), 0o600);
  await writeNewFile(certificatePath, certificatePem, 0o644);
  return describe(certificatePem, privateKey, certificatePath, keyPath, true);
}

async function loadIssuingCa(
  certificatePath: string,
  keyPath: string,
  root: Pick<LocalRootCa, "certificatePem" | "certificatePath">,
  now: Date,
  password: KeyPassword | null,
): Promise<IssuingCa> {
  const [certificatePem, keyPem] = await Promise.all([readFile(certificatePath, "utf8"), readFile(keyPath, "utf8")]);
  let certificate: NodeX509Certificate;
  try {
    certificate = new NodeX509Certificate(certificatePem);
  } catch (err) {
    throw new LocalAuthorityError(`${certificatePath} is not a PEM certificate`, { cause: err });
  }
  if (!certificate.ca) throw new LocalAuthorityError(`${certificatePath} is not a CA certificate`);
  const rootCertificate = new NodeX509Certificate(root.certificatePem);
  if (!certificate.checkIssued(rootCertificate) || !certificate.verify(rootCertificate.publicKey)) {
    throw new LocalAuthorityError(
      `${certificatePath} was not issued by the root CA ${root.certificatePath}; restore the matching pair from backup`,
    );
  }
  const privateKey: KeyObject = openPrivateKey(keyPem, keyPath, password);
  if (privateKey.asymmetricKeyType !== "ec" || privateKey.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new LocalAuthorityError(`${keyPath} is not an ECDSA P-256 private key`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new LocalAuthorityError(`${keyPath} is not the private key of ${certificatePath}`);
  }
  const issuing = describe(certificatePem, privateKey, certificatePath, keyPath, false);
  if (issuing.notAfter.getTime() <= now.getTime()) {
    throw new LocalAuthorityError(
      `local issuing CA ${certificatePath} expired on ${issuing.notAfter.toISOString()}; ` +
        `move ${certificatePath} and ${keyPath} aside to create a new one`,
    );
  }
  return issuing;
}

function describe(certificatePem: string, privateKey: KeyObject, certificatePath: string, keyPath: string, created: boolean): IssuingCa {
  const certificate = new x509.X509Certificate(certificatePem);
  const certificateDer = new Uint8Array(certificate.rawData);
  const keyId = certificate.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId;
  if (!keyId) throw new LocalAuthorityError(`${certificatePath} has no subject key identifier`);
  return {
    certificatePem,
    certificateDer,
    subjectName: subjectNameOf(certificateDer),
    subjectKeyId: Buffer.from(keyId, "hex"),
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    privateKey,
    publicKey: createPublicKey(privateKey),
    certificatePath,
    keyPath,
    created,
  };
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
