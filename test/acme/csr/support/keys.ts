/** Keys generated once per test file and reused by its cases (RSA generation is slow). */
import { makeKey, type KeySpec, type TestKey } from "./build-csr.js";

const cache = new Map<string, TestKey>();

export function key(spec: KeySpec): TestKey {
  const id = JSON.stringify(spec);
  let found = cache.get(id);
  if (!found) {
    found = makeKey(spec);
    cache.set(id, found);
  }
  return found;
}

export const p256 = (): TestKey => key({ kind: "ec", curve: "P-256" });
export const p384 = (): TestKey => key({ kind: "ec", curve: "P-384" });
export const p521 = (): TestKey => key({ kind: "ec", curve: "P-521" });
export const ed25519 = (): TestKey => key({ kind: "ed25519" });
export const rsa = (bits: number): TestKey => key({ kind: "rsa", bits });

/** An account key that is never used in a CSR unless a test says so. */
export const ACCOUNT = "0".repeat(64);
