/**
 * Key and file helpers shared by the bootstrap root CA and the server certificate it issues:
 * ECDSA P-256 keys, PKCS#8 PEM, and writing files with the modes the product promises
 * (keys 0600, certificates 0644, directories 0700).
 */
import "reflect-metadata";
import { createPrivateKey, type KeyObject } from "node:crypto";
import { chmod, mkdir, rename, writeFile } from "node:fs/promises";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

export const P256_KEY_ALGORITHM: EcKeyImportParams = { name: "ECDSA", namedCurve: "P-256" };
export const ECDSA_WITH_SHA256: EcdsaParams = { name: "ECDSA", hash: "SHA-256" };

/** A serial number of 16 random bytes; x509 makes it a positive INTEGER (RFC 5280 §4.1.2.2). */
export function randomSerialNumber(): string {
  return Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString("hex");
}

export async function generateP256KeyPair(): Promise<CryptoKeyPair> {
  // Extractable so the private key can be written out as PKCS#8.
  return webcrypto.subtle.generateKey(P256_KEY_ALGORITHM, true, ["sign", "verify"]);
}

export async function privateKeyToPkcs8Pem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey("pkcs8", key);
  return x509.PemConverter.encode(der, "PRIVATE KEY") + "\n";
}

/** Imports a PKCS#8 (or SEC1) PEM P-256 private key, or a key object, for signing. Throws if it is not P-256. */
export async function importP256PrivateKey(key: string | KeyObject): Promise<CryptoKey> {
  const keyObject = typeof key === "string" ? createPrivateKey(key) : key;
  const curve = keyObject.asymmetricKeyDetails?.namedCurve;
  if (keyObject.asymmetricKeyType !== "ec" || curve !== "prime256v1") {
    throw new Error(`expected an ECDSA P-256 private key, found ${keyObject.asymmetricKeyType ?? "unknown"} ${curve ?? ""}`.trim());
  }
  const der = keyObject.export({ type: "pkcs8", format: "der" });
  return webcrypto.subtle.importKey("pkcs8", new Uint8Array(der), P256_KEY_ALGORITHM, false, ["sign"]);
}

export async function ensurePrivateDirectory(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
}

/**
 * Writes a file that must not exist yet (`wx`), with an explicit mode regardless of umask.
 * Used for the root CA, which is never overwritten.
 */
export async function writeNewFile(path: string, content: string, mode: number): Promise<void> {
  await writeFile(path, content, { flag: "wx", mode });
  await chmod(path, mode);
}

/** Replaces a file atomically (temp file + rename), so a crash never leaves half a PEM. */
export async function replaceFile(path: string, content: string, mode: number): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content, { mode });
  await chmod(temp, mode);
  await rename(temp, path);
}
