/**
 * Is this the certificate RFC 8737 §3 asks for? Exactly one subjectAltName, the identifier being
 * validated (a dNSName, or an iPAddress for RFC 8738 §6), and a critical acmeIdentifier extension
 * holding the SHA-256 digest of the key authorization. Pure: returns what is wrong, or undefined.
 */
import { createHash } from "node:crypto";
import {
  OID_ACME_IDENTIFIER,
  OID_SUBJECT_ALT_NAME,
  readAcmeIdentifier,
  readExtensions,
  readGeneralNames,
  type CertificateExtension,
  type GeneralName,
} from "./certificate-extensions.js";
import { DerError } from "./der.js";
import { bytesToIp, ipToBytes } from "./ip.js";
import { quote } from "./outcome.js";
import type { ChallengeToValidate } from "./types.js";

export function alpnCertificateProblem(
  certificate: Uint8Array,
  identifier: ChallengeToValidate["identifier"],
  keyAuthorization: string,
): string | undefined {
  let extensions: CertificateExtension[];
  try {
    extensions = readExtensions(certificate);
    return sanProblem(extensions, identifier) ?? acmeIdentifierProblem(extensions, keyAuthorization);
  } catch (error) {
    if (error instanceof DerError) return "the certificate is not well-formed DER";
    throw error;
  }
}

function only(extensions: readonly CertificateExtension[], oid: string, name: string): CertificateExtension | string {
  const found = extensions.filter((e) => e.oid === oid);
  if (found.length === 0) return `the certificate has no ${name} extension`;
  if (found.length > 1) return `the certificate has ${found.length} ${name} extensions`;
  return found[0] ?? `the certificate has no ${name} extension`;
}

function sanProblem(extensions: readonly CertificateExtension[], identifier: ChallengeToValidate["identifier"]): string | undefined {
  const extension = only(extensions, OID_SUBJECT_ALT_NAME, "subjectAltName");
  if (typeof extension === "string") return extension;
  const names = readGeneralNames(extension.value);
  const shown = names.map(describeName).join(", ");
  if (names.length !== 1) {
    return `the certificate has ${names.length} subjectAltNames (${shown}); RFC 8737 requires exactly one, ${identifier.value}`;
  }
  const [name] = names;
  if (name !== undefined && matches(name, identifier)) return undefined;
  return `the certificate's subjectAltName is ${shown}, not ${identifier.value}`;
}

function matches(name: GeneralName, identifier: ChallengeToValidate["identifier"]): boolean {
  if (identifier.type === "dns") return name.kind === "dNSName" && name.value.toLowerCase() === identifier.value;
  const expected = ipToBytes(identifier.value);
  return name.kind === "iPAddress" && expected !== undefined && Buffer.from(name.bytes).equals(expected);
}

function describeName(name: GeneralName): string {
  if (name.kind === "dNSName") return `DNS:${quote(name.value)}`;
  if (name.kind === "iPAddress") return `IP:${bytesToIp(name.bytes) ?? `(${name.bytes.length} bytes)`}`;
  return `a name of another type (tag 0x${name.tag.toString(16)})`;
}

function acmeIdentifierProblem(extensions: readonly CertificateExtension[], keyAuthorization: string): string | undefined {
  const extension = only(extensions, OID_ACME_IDENTIFIER, `acmeIdentifier (${OID_ACME_IDENTIFIER})`);
  if (typeof extension === "string") return extension;
  // RFC 8737 §3: "The acmeIdentifier extension MUST be critical".
  if (!extension.critical) return "the acmeIdentifier extension is not marked critical";
  const digest = readAcmeIdentifier(extension.value);
  if (digest.length !== 32) return `the acmeIdentifier extension holds ${digest.length} bytes, not a 32-byte SHA-256 digest`;
  const expected = createHash("sha256").update(keyAuthorization, "utf8").digest();
  if (!expected.equals(digest)) return "the acmeIdentifier extension does not hold the digest of this challenge's key authorization";
  return undefined;
}
