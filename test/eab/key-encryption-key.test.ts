/**
 * The EAB key-encryption key (`<workdir>/eab-kek`): created once with mode 0600 and reused, the
 * HMAC keys sealed under it with AES-256-GCM bound to their key id, and a missing or foreign KEK
 * reported to the operator instead of verifying bindings with garbage.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encryptedEabKeySchema } from "../../events/index.js";
import { decryptEabKey, encryptEabKey } from "../../src/acme/eab/key-encryption-key.js";
import { EabKeyDecryptionError, KeyEncryptionKeyError, KeyEncryptionKeyFile } from "../../src/acme/eab/index.js";

let workdir: string;
beforeEach(async () => {
  workdir = await mkdtemp(join(tmpdir(), "certeasy-kek-"));
});
afterEach(async () => rm(workdir, { recursive: true, force: true }));

describe("eab-kek", () => {
  it("is created on first use as 32 bytes with mode 0600, and read back by a later process", async () => {
    const first = await new KeyEncryptionKeyFile(workdir).load({ create: true });
    const path = join(workdir, "eab-kek");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path)).toEqual(Buffer.from(first));
    expect(first).toHaveLength(32);
    expect(await new KeyEncryptionKeyFile(workdir).load({ create: true })).toEqual(first);
    expect(await new KeyEncryptionKeyFile(workdir).load({ create: false })).toEqual(first);
  });

  it("is not created by a reader: a missing file is an operator error that names the file and the backup", async () => {
    const error = await new KeyEncryptionKeyFile(workdir).load({ create: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyEncryptionKeyError);
    expect(String((error as Error).message)).toMatch(/eab-kek is missing.*restore it from the backup/);
  });

  it("refuses a damaged file", async () => {
    await writeFile(join(workdir, "eab-kek"), "short", { mode: 0o600 });
    await expect(new KeyEncryptionKeyFile(workdir).load({ create: false })).rejects.toThrow(/must hold exactly 32 bytes/);
  });

  it("tightens a loosened mode back to 0600", async () => {
    await writeFile(join(workdir, "eab-kek"), randomBytes(32), { mode: 0o644 });
    await new KeyEncryptionKeyFile(workdir).load({ create: false });
    expect((await stat(join(workdir, "eab-kek"))).mode & 0o777).toBe(0o600);
  });
});

describe("HMAC keys sealed with AES-256-GCM", () => {
  const kek = new Uint8Array(randomBytes(32));
  const hmac = new Uint8Array(randomBytes(32));

  it("round-trips, with a fresh IV each time, in the shape the event schema accepts", () => {
    const a = encryptEabKey(kek, "key-1", hmac);
    const b = encryptEabKey(kek, "key-1", hmac);
    expect(encryptedEabKeySchema.parse(a)).toEqual(a);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ciphertext).not.toBe(Buffer.from(hmac).toString("base64url"));
    expect(decryptEabKey(kek, "key-1", a)).toEqual(hmac);
  });

  it("does not open under another KEK, under another key id, or once edited", () => {
    const sealed = encryptEabKey(kek, "key-1", hmac);
    expect(() => decryptEabKey(new Uint8Array(randomBytes(32)), "key-1", sealed)).toThrow(EabKeyDecryptionError);
    expect(() => decryptEabKey(kek, "key-2", sealed)).toThrow(EabKeyDecryptionError);
    const edited = { ...sealed, ciphertext: `${sealed.ciphertext[0] === "A" ? "B" : "A"}${sealed.ciphertext.slice(1)}` };
    expect(() => decryptEabKey(kek, "key-1", edited)).toThrow(/does not decrypt with this workdir's eab-kek/);
  });
});
