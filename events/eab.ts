/**
 * External account binding keys (RFC 8555 §7.3.4): MAC keys an operator hands to an ACME client
 * out of band, so that a newAccount proves it belongs to someone the operator knows. Stream
 * `eab:<keyId>`. The HMAC key must stay usable for verification, so it cannot be hashed: events
 * carry it only encrypted (AES-256-GCM under the node's key-encryption key, `<workdir>/eab-kek`),
 * never in clear — the log, its exports and the audit file hold no usable secret.
 */
import { z } from "zod";
import { defineEvent } from "./define.js";

export const eabStreamId = (keyId: string): string => `eab:${keyId}`;

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, "base64url without padding");

/** What a key id may look like: printable, no whitespace, safe on a command line and in a URL path. */
export const eabKeyIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/, "letters, digits, - and _, at most 128");

/** AES-256-GCM output: a 96-bit IV, the ciphertext of the HMAC key, and the 128-bit tag. */
export const encryptedEabKeySchema = z.strictObject({
  iv: base64url.length(16),
  ciphertext: base64url.min(1).max(128),
  tag: base64url.length(22),
});
export type EncryptedEabKey = z.infer<typeof encryptedEabKeySchema>;

export const EabKeyCreated = defineEvent(
  "acme.eab.key-created",
  z.strictObject({
    keyId: eabKeyIdSchema,
    encryptedKey: encryptedEabKeySchema,
    /** name rules the bound account may order (src/acme/eab/scope.ts); empty = any name */
    allowedNames: z.array(z.string().min(1).max(255)).max(100),
    /** profiles the bound account may order; empty = any profile */
    allowedProfiles: z.array(z.string().min(1).max(64)).max(32),
    /** the operator's words: who the key is for */
    note: z.string().max(256).nullable(),
  }),
);

/** The key binds no new account from now on; accounts it already bound stay valid. */
export const EabKeyRevoked = defineEvent("acme.eab.key-revoked", z.strictObject({}));

/** One key, one account: appended at the stream version the newAccount decided on (RFC 8555 §7.3.4). */
export const EabKeyBound = defineEvent("acme.eab.key-bound", z.strictObject({ accountId: z.uuid() }));

export const eabEvents = [EabKeyCreated, EabKeyRevoked, EabKeyBound] as const;
