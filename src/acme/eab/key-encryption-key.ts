/**
 * The key-encryption key of the EAB HMAC keys: 32 random bytes in `<workdir>/eab-kek`, created
 * with mode 0600 the first time a key is created, never logged. An HMAC key must stay usable
 * to verify a binding (RFC 8555 §7.3.4), so it cannot be hashed like a password; it is stored
 * AES-256-GCM-encrypted in its `acme.eab.key-created` event instead, and the secret that opens
 * it lives outside the database. A backup therefore needs `eab-kek` next to the database, and a
 * database without it holds nothing an attacker can bind accounts with.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { chmod, open, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import type { EncryptedEabKey } from "../../../events/index.js";

export const EAB_KEK_FILE = "eab-kek";
const KEK_BYTES = 32;
const IV_BYTES = 12;

/** The file is missing where keys exist, damaged, or unreadable: an operator problem, never a client's. */
export class KeyEncryptionKeyError extends Error {
  override readonly name = "KeyEncryptionKeyError";
}

/** An encrypted key that does not open under this KEK: wrong `eab-kek`, or edited ciphertext. */
export class EabKeyDecryptionError extends Error {
  override readonly name = "EabKeyDecryptionError";
}

/** The ciphertext is bound to its key id (GCM additional data): one key's ciphertext cannot stand in for another's. */
const additionalData = (keyId: string): Buffer => Buffer.from(`certeasy eab key ${keyId}`, "utf8");

export function encryptEabKey(kek: Uint8Array, keyId: string, hmacKey: Uint8Array): EncryptedEabKey {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", kek, iv);
  cipher.setAAD(additionalData(keyId));
  const ciphertext = Buffer.concat([cipher.update(hmacKey), cipher.final()]);
  return { iv: iv.toString("base64url"), ciphertext: ciphertext.toString("base64url"), tag: cipher.getAuthTag().toString("base64url") };
}

export function decryptEabKey(kek: Uint8Array, keyId: string, encrypted: EncryptedEabKey): Uint8Array {
  try {
    const decipher = createDecipheriv("aes-256-gcm", kek, Buffer.from(encrypted.iv, "base64url"));
    decipher.setAAD(additionalData(keyId));
    decipher.setAuthTag(Buffer.from(encrypted.tag, "base64url"));
    return new Uint8Array(Buffer.concat([decipher.update(Buffer.from(encrypted.ciphertext, "base64url")), decipher.final()]));
  } catch (error) {
    throw new EabKeyDecryptionError(
      `the HMAC key of EAB key ${keyId} does not decrypt with this workdir's ${EAB_KEK_FILE} (restored from another backup?)`,
      { cause: error },
    );
  }
}

/** `<workdir>/eab-kek`, read once and kept in memory. */
export class KeyEncryptionKeyFile {
  readonly path: string;
  #key: Uint8Array | undefined;

  constructor(workdir: string) {
    this.path = join(workdir, EAB_KEK_FILE);
  }

  /** The KEK; `create` makes it when the file does not exist (only key creation may). */
  async load(options: { readonly create: boolean }): Promise<Uint8Array> {
    if (this.#key) return this.#key;
    if (options.create) await this.#createIfMissing();
    return this.#key ?? this.#read();
  }

  /** O_EXCL: two creators agree on one key. */
  async #createIfMissing(): Promise<void> {
    let handle;
    try {
      handle = await open(this.path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") return;
      throw new KeyEncryptionKeyError(`cannot create ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    const key = randomBytes(KEK_BYTES);
    try {
      await handle.writeFile(key);
      await handle.sync();
    } finally {
      await handle.close();
    }
    this.#key = new Uint8Array(key);
  }

  async #read(): Promise<Uint8Array> {
    let bytes: Buffer;
    try {
      bytes = await readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") {
        throw new KeyEncryptionKeyError(
          `${this.path} is missing: the EAB keys in the database cannot be decrypted without it (restore it from the backup of this workdir)`,
        );
      }
      throw new KeyEncryptionKeyError(`cannot read ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    if (bytes.length !== KEK_BYTES) {
      throw new KeyEncryptionKeyError(`${this.path} must hold exactly ${KEK_BYTES} bytes; it holds ${bytes.length}`);
    }
    // The KEK opens every EAB key; keep it private even if someone loosened its mode.
    if (((await stat(this.path)).mode & 0o077) !== 0) await chmod(this.path, 0o600);
    this.#key = new Uint8Array(bytes);
    return this.#key;
  }
}
