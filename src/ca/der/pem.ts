/** PEM armour (RFC 7468): base64 in 64-character lines between BEGIN/END labels. */
import { DerDecodingError } from "./errors.js";

/** One PEM block ending with "\n", as RFC 8555 §7.4.2 chains are concatenated. */
export function toPem(der: Uint8Array, label: string): string {
  const base64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString("base64");
  let body = "";
  for (let i = 0; i < base64.length; i += 64) body += `${base64.slice(i, i + 64)}\n`;
  return `-----BEGIN ${label}-----\n${body}-----END ${label}-----\n`;
}

/** The DER bytes of the first `label` block in `pem`. */
export function fromPem(pem: string, label: string): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----`).exec(pem);
  if (!match?.[1]) throw new DerDecodingError(`no ${label} PEM block found`);
  return Buffer.from(match[1].replace(/\s+/g, ""), "base64");
}
