/**
 * The CSR subject (behaviour reference §2.3; ESC1/ESC6 hardening, §13.1): empty, or one common
 * name that is one of the order's identifiers. ACME proves control of names only, so any other
 * attribute (O, OU, DC, emailAddress…) would be an identity nobody checked; it is refused by name
 * rather than silently dropped.
 *
 *   Name ::= SEQUENCE OF RelativeDistinguishedName
 *   RelativeDistinguishedName ::= SET SIZE (1..MAX) OF AttributeTypeAndValue
 *   AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY }
 */
import { elements, expectTag, readOid, Tag, type DerNode } from "./der.js";
import { readIa5, readPrintable, readUtf8 } from "./der-text.js";
import { isIP } from "node:net";
import { canonicalCommonName, canonicalDnsName, type CsrIdentifier } from "./identifiers.js";
import { describeOid, Oid } from "./oids.js";
import { CsrRefusal, notDer } from "./refusal.js";

/** The canonical common name, or null for an empty subject. */
export function readCommonName(subject: DerNode): string | null {
  const rdns = elements(subject, "the subject");
  const attributes = rdns.flatMap((rdn) => elements(expectTag(rdn, Tag.SET, "a subject RDN"), "a subject RDN"));
  if (rdns.some((rdn) => rdn.end === rdn.contentStart)) throw notDer("a subject RDN", "is empty");
  const [first, ...others] = attributes.map(readAttribute);
  if (!first) return null;
  const foreign = [first, ...others].find((attribute) => attribute.type !== Oid.commonName);
  if (foreign) {
    throw new CsrRefusal(`The CSR subject holds ${describeOid(foreign.type)}; only an empty subject or a single CN naming one of the order's identifiers is accepted.`);
  }
  if (others.length > 0) throw new CsrRefusal("The CSR subject holds more than one CN; at most one is accepted.");
  return first.value;
}

/** RFC 8555 §7.4 allows a CN only as a copy of one of the names the certificate is for. */
export function requireCommonNameAmong(commonName: string | null, identifiers: readonly CsrIdentifier[]): string | null {
  if (commonName === null) return null;
  const canonical = canonicalCommonName(commonName);
  if (!identifiers.some((identifier) => identifier.value === canonical)) {
    throw new CsrRefusal(`The CSR subject CN ${JSON.stringify(commonName)} is not one of the order's identifiers.`);
  }
  return canonical;
}

/**
 * The names of a CSR that requests no subjectAltName: RFC 8555 §7.4 lets a dns identifier appear
 * in the subject's CN alone (acme-tiny's documented single-name CSR, `openssl req -subj /CN=…`).
 * An IP address cannot: RFC 8738 §3 puts it in an iPAddress subjectAltName entry.
 */
export function commonNameIdentifiers(commonName: string | null): CsrIdentifier[] {
  if (commonName === null || commonName === "") {
    throw new CsrRefusal("The CSR names nothing: it has neither a subjectAltName extension nor a subject CN (RFC 8555 §7.4).");
  }
  if (isIP(commonName) !== 0) {
    throw new CsrRefusal(`The CSR names the IP address ${JSON.stringify(commonName)} only in its CN; RFC 8738 requires it in an iPAddress subjectAltName entry.`);
  }
  return [{ type: "dns", value: canonicalDnsName(commonName, "subject CN") }];
}

function readAttribute(node: DerNode): { readonly type: string; readonly value: string } {
  const what = "a subject attribute";
  const [typeNode, valueNode, ...extra] = elements(expectTag(node, Tag.SEQUENCE, what), what);
  if (!typeNode || !valueNode || extra.length > 0) throw notDer(what, "must hold exactly a type and a value");
  const type = readOid(typeNode, what);
  if (type !== Oid.commonName) return { type, value: "" };
  const cnWhat = "the subject CN";
  switch (valueNode.tag) {
    case Tag.UTF8_STRING:
      return { type, value: readUtf8(valueNode, cnWhat) };
    case Tag.PRINTABLE_STRING:
      return { type, value: readPrintable(valueNode, cnWhat) };
    case Tag.IA5_STRING:
      return { type, value: readIa5(valueNode, cnWhat) };
    default:
      throw new CsrRefusal("The CSR subject CN must be a UTF8String, PrintableString or IA5String.");
  }
}
