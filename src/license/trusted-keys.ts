/**
 * The keys a license may be signed with: the vendor key built in, then `license.public-keys` in
 * the order written. Files are read here, at startup (and by `validate`); a key that cannot be
 * read or is not Ed25519 stops the start with a message naming its config key.
 */
import { createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { LicenseConfig, LicenseKeySource } from "../config/index.js";
import { VENDOR_LICENSE_PUBLIC_KEY_PEM } from "./vendor-key.js";

export interface TrustedKey {
  /** where it came from, for messages: "built-in vendor key" or "license.public-keys.0 (/etc/…)" */
  readonly origin: string;
  readonly key: KeyObject;
}

export class LicenseKeyError extends Error {
  override readonly name = "LicenseKeyError";
}

export async function loadTrustedKeys(config: Pick<LicenseConfig, "publicKeys">): Promise<readonly TrustedKey[]> {
  const vendor: TrustedKey = { origin: "built-in vendor key", key: createPublicKey(VENDOR_LICENSE_PUBLIC_KEY_PEM) };
  const added = await Promise.all(config.publicKeys.map((source, index) => loadKey(source, `license.public-keys.${index}`)));
  return [vendor, ...added];
}

async function loadKey(source: LicenseKeySource, configKey: string): Promise<TrustedKey> {
  const origin = source.kind === "file" ? `${configKey} (${source.path})` : `${configKey} (inline PEM)`;
  let text: string;
  if (source.kind === "pem") {
    text = source.pem;
  } else {
    try {
      text = await readFile(source.path, "utf8");
    } catch (error) {
      throw new LicenseKeyError(`${origin}: cannot read the key file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  const trimmed = text.trim();
  if (/PRIVATE KEY-----|"d"\s*:/.test(trimmed)) {
    throw new LicenseKeyError(`${origin}: this is a private key; give the public key only (the private half must stay with whoever signs licenses)`);
  }
  let key: KeyObject;
  try {
    key = trimmed.startsWith("{") ? createPublicKey({ key: JSON.parse(trimmed) as JsonWebKey, format: "jwk" }) : createPublicKey(trimmed);
  } catch {
    throw new LicenseKeyError(`${origin}: expected an Ed25519 public key as PEM (BEGIN PUBLIC KEY) or JWK, got something that does not parse as either`);
  }
  if (key.type !== "public" || key.asymmetricKeyType !== "ed25519") {
    throw new LicenseKeyError(`${origin}: expected an Ed25519 public key, got a ${key.type} ${key.asymmetricKeyType ?? "unknown"} key`);
  }
  return { origin, key };
}
