/**
 * The requested extensions (behaviour reference §2.3): subjectAltName and extKeyUsage, each at
 * most once; keyUsage, an end-entity basicConstraints and subjectKeyIdentifier are
 * tolerated because mainstream clients send them (see tolerated-extensions.ts); anything else is
 * refused with its OID.
 *
 *   Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }
 */
import { content, elements, expectTag, readBoolean, readOid, Tag, type DerNode } from "./der.js";
import { readExtraEkus } from "./extended-key-usage.js";
import type { CsrIdentifier } from "./identifiers.js";
import { describeOid, Oid } from "./oids.js";
import type { CsrPolicy } from "./policy.js";
import { CsrRefusal, notDer } from "./refusal.js";
import { readSubjectAltName } from "./subject-alt-name.js";
import { checkBasicConstraints, checkKeyUsage, checkSubjectKeyIdentifier } from "./tolerated-extensions.js";

export interface RequestedExtensions {
  /** the subjectAltName entries; null when the CSR requests no subjectAltName */
  readonly identifiers: CsrIdentifier[] | null;
  readonly extraEkus: string[];
}

export const NO_EXTENSIONS: RequestedExtensions = Object.freeze({ identifiers: null, extraEkus: [] });

export function readExtensions(extensions: DerNode, policy: CsrPolicy): RequestedExtensions {
  const seen = new Set<string>();
  let identifiers: CsrIdentifier[] | null = null;
  let extraEkus: string[] = [];
  for (const node of elements(extensions, "the requested extensions")) {
    const { oid, value } = readExtension(node);
    if (seen.has(oid)) throw new CsrRefusal(`The CSR requests the extension ${describeOid(oid)} more than once (RFC 5280 §4.2).`);
    seen.add(oid);
    switch (oid) {
      case Oid.subjectAltName:
        identifiers = readSubjectAltName(value);
        break;
      case Oid.extKeyUsage:
        extraEkus = readExtraEkus(value, policy);
        break;
      case Oid.keyUsage:
        checkKeyUsage(value);
        break;
      case Oid.basicConstraints:
        checkBasicConstraints(value);
        break;
      case Oid.subjectKeyIdentifier:
        checkSubjectKeyIdentifier(value);
        break;
      default:
        throw new CsrRefusal(`The CSR requests the extension ${describeOid(oid)}, which is not accepted; only subjectAltName and extKeyUsage are.`);
    }
  }
  return { identifiers, extraEkus };
}

function readExtension(node: DerNode): { readonly oid: string; readonly value: Uint8Array } {
  const what = "a requested extension";
  const fields = elements(expectTag(node, Tag.SEQUENCE, what), what);
  const [idNode, second, third, ...extra] = fields;
  if (!idNode || !second || extra.length > 0 || (third && second.tag !== Tag.BOOLEAN)) {
    throw notDer(what, "must hold an extnID, an optional critical flag and an extnValue");
  }
  const oid = readOid(idNode, what);
  // The critical flag changes nothing here: accepted extensions are understood, others refused.
  // An explicit FALSE (DER omits a DEFAULT) is tolerated as Go's x509 parser does; it cannot be
  // read two ways. A BOOLEAN other than 0x00/0xFF can, and is refused.
  if (third) readBoolean(second, `the critical flag of ${describeOid(oid)}`);
  const valueNode = third ?? second;
  return { oid, value: content(expectTag(valueNode, Tag.OCTET_STRING, `the value of ${describeOid(oid)}`)) };
}
