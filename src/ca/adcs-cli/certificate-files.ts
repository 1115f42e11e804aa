/**
 * Reads what certreq and certutil write: a certificate (`out.cer`) or a PKCS#7 bundle
 * (`out.p7b`, adcs.md §1.4), each either Base64 with PEM armour (certreq's default; Windows may
 * label a PKCS#7 "CERTIFICATE"), bare Base64, or binary DER (`-binary`). The structure, not the
 * label, decides what a blob is. PKCS#7 goes through @peculiar/x509, whose BER reader also
 * accepts the indefinite lengths some Windows encoders emit.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import { childrenOf, readWhole } from "../der/read.js";

const SEQUENCE = 0x30;
const OBJECT_IDENTIFIER = 0x06;

/** Every certificate in the file, in file order; empty when the file holds none. */
export function certificatesInFile(content: Uint8Array): Uint8Array[] {
  return derBlobs(content).flatMap(certificatesInBlob);
}

function derBlobs(content: Uint8Array): Uint8Array[] {
  if (content[0] === SEQUENCE) return [content];
  const text = Buffer.from(content).toString("latin1");
  const blocks = [...text.matchAll(/-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/g)];
  if (blocks.length > 0) return blocks.map((block) => base64(block[1] ?? ""));
  const bare = text.trim();
  return /^[A-Za-z0-9+/=\s]+$/.test(bare) ? [base64(bare)] : [];
}

const base64 = (text: string): Uint8Array => new Uint8Array(Buffer.from(text.replace(/\s+/g, ""), "base64"));

function certificatesInBlob(der: Uint8Array): Uint8Array[] {
  if (der[0] !== SEQUENCE) return [];
  // A ContentInfo starts with its contentType OID; a Certificate with its tbsCertificate SEQUENCE.
  if (startsWithOid(der)) {
    try {
      return new x509.X509Certificates(new Uint8Array(der)).map((certificate) => new Uint8Array(certificate.rawData));
    } catch {
      return [];
    }
  }
  return [der];
}

function startsWithOid(der: Uint8Array): boolean {
  try {
    const [first] = childrenOf(der, readWhole(der, SEQUENCE));
    return first?.tag === OBJECT_IDENTIFIER;
  } catch {
    // Not strict DER (a BER PKCS#7 with indefinite lengths): only PKCS#7 is written that way.
    return der[1] === 0x80;
  }
}
