/**
 * The embedded CA's private keys at rest (issue 4: "key encrypted with a configured password").
 * With a password, keys are written as encrypted PKCS#8 PEM (`ENCRYPTED PRIVATE KEY`, PBES2 with
 * AES-256-CBC, as OpenSSL writes them, so `openssl pkey` reads them with the same password).
 * Loading tells apart "encrypted but no password configured", "wrong password" and "not a key",
 * each naming the file and where the password comes from; a key is never replaced by a new one.
 */
import { type KeyObject, createPrivateKey } from "node:crypto";
import { readFile } from "node:fs/promises";
import { LocalAuthorityError } from "./errors.js";

export interface KeyPassword {
  /** where it was read, for messages: `key-password-file /etc/certeasy/ca.pass` */
  readonly source: string;
  readonly value: string;
}

const ENCRYPTED_LABEL = "-----BEGIN ENCRYPTED PRIVATE KEY-----";

export const isEncryptedPem = (pem: string): boolean => pem.includes(ENCRYPTED_LABEL);

/** The PEM to write for `key`: encrypted PKCS#8 with a password, plain PKCS#8 without. */
export function sealPrivateKey(key: KeyObject, password: KeyPassword | null): string {
  const pem = password
    ? key.export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: password.value })
    : key.export({ type: "pkcs8", format: "pem" });
  return pem.toString();
}

/** Reads a key file's PEM; `path` names the file in errors. */
export function openPrivateKey(pem: string, path: string, password: KeyPassword | null): KeyObject {
  const encrypted = isEncryptedPem(pem);
  if (encrypted && !password) {
    throw new LocalAuthorityError(
      `${path} is encrypted and no password is configured: set key-password-file or key-password-env on the local authority`,
    );
  }
  try {
    return encrypted && password ? createPrivateKey({ key: pem, format: "pem", passphrase: password.value }) : createPrivateKey(pem);
  } catch (err) {
    if (encrypted && password) {
      throw new LocalAuthorityError(`${path} cannot be decrypted with the password from ${password.source}: wrong password (the key was not replaced)`, { cause: err });
    }
    throw new LocalAuthorityError(`${path} is not a PEM private key`, { cause: err });
  }
}

/** Where the local authority's key password comes from (`key-password-file` / `key-password-env`). */
export type KeyPasswordSource = { readonly file: string } | { readonly env: string };

/**
 * Reads the password: a file's content without its final line break, or an environment
 * variable. Never from the configuration itself, so config.yml can be shared and versioned.
 */
export async function readKeyPassword(source: KeyPasswordSource): Promise<KeyPassword> {
  if ("env" in source) {
    const value = process.env[source.env];
    if (value === undefined || value === "") throw new LocalAuthorityError(`key-password-env names ${source.env}, which is not set or empty`);
    return { source: `the environment variable ${source.env}`, value };
  }
  let text: string;
  try {
    text = await readFile(source.file, "utf8");
  } catch (err) {
    throw new LocalAuthorityError(`key-password-file ${source.file} cannot be read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  const value = text.replace(/\r?\n$/, "");
  if (value === "") throw new LocalAuthorityError(`key-password-file ${source.file} is empty`);
  return { source: `key-password-file ${source.file}`, value };
}
