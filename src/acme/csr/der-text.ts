/**
 * The three string types a CSR field may use here (X.680 §41): IA5String for dNSName, and
 * UTF8String / PrintableString / IA5String for the subject common name. Each is checked against
 * its own alphabet so that no byte is read one way here and another way by the CA.
 */
import { content, type DerNode } from "./der.js";
import { notDer } from "./refusal.js";

const latin1 = new TextDecoder("latin1");
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** IA5String (ASCII) as text; a DNS name or CN must not smuggle bytes above 0x7F. */
export function readIa5(node: DerNode, what: string): string {
  const value = content(node);
  for (const byte of value) if (byte > 0x7f) throw notDer(what, "is not ASCII, as an IA5String must be");
  return latin1.decode(value);
}

/** X.680 §41.4: letters, digits, space and ' ( ) + , - . / : = ? only. */
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;

export function readPrintable(node: DerNode, what: string): string {
  const text = latin1.decode(content(node));
  if (!PRINTABLE.test(text)) throw notDer(what, "holds a character a PrintableString cannot hold");
  return text;
}

export function readUtf8(node: DerNode, what: string): string {
  try {
    return utf8.decode(content(node));
  } catch {
    throw notDer(what, "is not valid UTF-8");
  }
}
