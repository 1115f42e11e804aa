/**
 * The wire form of a Certeasy nonce (RFC 8555 §6.5: an opaque base64url string, no padding).
 *
 *   counter (6 bytes, big-endian) ‖ issued-at ms (6 bytes) ‖ HMAC-SHA-256(secret, first 12 bytes)[0..16)
 *
 * The 128-bit tag makes nonces unguessable and unforgeable without the per-boot secret, so the
 * server needs no table of issued values: the counter finds the nonce's bit in the issued window
 * and the authenticated timestamp gives its age. Both fields are visible to the client; they say
 * how many nonces this node issued since boot and when, nothing more.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const FIELD_BYTES = 6;
const TAG_BYTES = 16;
const SIGNED_BYTES = 2 * FIELD_BYTES;
export const NONCE_TOKEN_BYTES = SIGNED_BYTES + TAG_BYTES;
/** 28 bytes in unpadded base64url. */
export const NONCE_TOKEN_LENGTH = Math.ceil((NONCE_TOKEN_BYTES * 4) / 3);

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface NonceFields {
  readonly counter: number;
  readonly issuedAtMs: number;
}

export function encodeNonceToken(secret: Uint8Array, fields: NonceFields): string {
  const bytes = Buffer.allocUnsafe(NONCE_TOKEN_BYTES);
  bytes.writeUIntBE(fields.counter, 0, FIELD_BYTES);
  bytes.writeUIntBE(fields.issuedAtMs, FIELD_BYTES, FIELD_BYTES);
  tag(secret, bytes.subarray(0, SIGNED_BYTES)).copy(bytes, SIGNED_BYTES, 0, TAG_BYTES);
  return bytes.toString("base64url");
}

/** The authenticated fields of `token`, or undefined when it is not a nonce made with `secret`. */
export function decodeNonceToken(secret: Uint8Array, token: string): NonceFields | undefined {
  if (token.length !== NONCE_TOKEN_LENGTH || !BASE64URL.test(token)) return undefined;
  const bytes = Buffer.from(token, "base64url");
  // Canonical encoding only: a second spelling of the same bytes would be a second nonce string.
  if (bytes.length !== NONCE_TOKEN_BYTES || bytes.toString("base64url") !== token) return undefined;
  const expected = tag(secret, bytes.subarray(0, SIGNED_BYTES)).subarray(0, TAG_BYTES);
  if (!timingSafeEqual(expected, bytes.subarray(SIGNED_BYTES))) return undefined;
  return { counter: bytes.readUIntBE(0, FIELD_BYTES), issuedAtMs: bytes.readUIntBE(FIELD_BYTES, FIELD_BYTES) };
}

function tag(secret: Uint8Array, signed: Uint8Array): Buffer {
  return createHmac("sha256", secret).update(signed).digest();
}
