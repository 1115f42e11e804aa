/**
 * RFC 9773 §4.1 certID: base64url(AuthorityKeyIdentifier keyIdentifier) "." base64url(serial
 * number DER content octets), unpadded. Certeasy stores both as lower-case hex (the CA backends
 * return them so), which makes the lookup one indexed equality.
 */
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface CertIdParts {
  readonly aki: string;
  readonly serial: string;
}

export function parseCertId(certId: string): CertIdParts | null {
  const parts = certId.split(".");
  if (parts.length !== 2) return null;
  const [aki, serial] = parts as [string, string];
  if (!BASE64URL.test(aki) || !BASE64URL.test(serial) || aki.length > 172 || serial.length > 44) return null;
  const akiHex = Buffer.from(aki, "base64url").toString("hex");
  const serialHex = Buffer.from(serial, "base64url").toString("hex");
  // Non-canonical base64url (stray bits in the last character) would alias another certID.
  if (Buffer.from(akiHex, "hex").toString("base64url") !== aki || Buffer.from(serialHex, "hex").toString("base64url") !== serial) return null;
  return { aki: akiHex, serial: serialHex };
}
