/**
 * The license file: a compact JWS (RFC 7515 §7.1), either bare or wrapped in a PEM-like block
 * (behaviour reference §8.1 names the block) so it survives mail clients and copy-paste:
 *
 *   -----BEGIN CERTEASY LICENSE-----
 *   eyJhbGciOiJFZERTQSJ9.eyJwbGFuIjoi…
 *   -----END CERTEASY LICENSE-----
 *
 * Whitespace and line breaks inside the block are ignored; text around it (a note from the
 * vendor) is allowed. The product's own `Signature:` + base64 payload layout is not read: its
 * licenses are signed by another vendor key anyway.
 */
const BLOCK = /-----BEGIN CERTEASY LICENSE-----([\s\S]*?)-----END CERTEASY LICENSE-----/;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export const LICENSE_BLOCK_LABEL = "CERTEASY LICENSE";

/** The compact JWS in a license file's text, or null when the text holds none. */
export function licenseTokenOf(text: string): string | null {
  const block = BLOCK.exec(text);
  const token = (block ? (block[1] ?? "") : text).replace(/\s+/g, "");
  return COMPACT_JWS.test(token) ? token : null;
}

/** A token as a license file, 64 characters a line like PEM. */
export function licenseFileText(token: string): string {
  const lines = token.match(/.{1,64}/g) ?? [];
  return [`-----BEGIN ${LICENSE_BLOCK_LABEL}-----`, ...lines, `-----END ${LICENSE_BLOCK_LABEL}-----`, ""].join("\n");
}
