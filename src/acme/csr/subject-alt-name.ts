/**
 * The subjectAltName extension (RFC 5280 §4.2.1.6): dNSName and iPAddress entries only. Every
 * other GeneralName kind is an identity ACME cannot validate — otherName/UPN and rfc822Name are
 * the ESC6/ESC9/ESC10 routes into an ADCS forest — so it is refused by kind (behaviour reference
 * §2.3, §13.1). Names are canonicalised like an order's and must not repeat.
 *
 *   GeneralNames ::= SEQUENCE SIZE (1..MAX) OF GeneralName
 */
import { content, elements, expectTag, readOid, readWhole, Tag, type DerNode } from "./der.js";
import { readIa5 } from "./der-text.js";
import { canonicalDnsName, identifierKey, ipText, type CsrIdentifier } from "./identifiers.js";
import { describeOid, Oid } from "./oids.js";
import { CsrRefusal, notDer } from "./refusal.js";

/** Context-specific tags of GeneralName (implicit tagging; directoryName is explicit). */
const DNS_NAME = 0x82;
const IP_ADDRESS = 0x87;
const OTHER_NAME = 0xa0;

const REFUSED_KINDS: Readonly<Record<number, string>> = {
  1: "an rfc822Name (email address)",
  3: "an x400Address",
  4: "a directoryName",
  5: "an ediPartyName",
  6: "a uniformResourceIdentifier (URI)",
  8: "a registeredID",
};

export function readSubjectAltName(extensionValue: Uint8Array): CsrIdentifier[] {
  const what = "the subjectAltName extension";
  const names = elements(expectTag(readWhole(extensionValue, what), Tag.SEQUENCE, what), what);
  if (names.length === 0) throw new CsrRefusal("The CSR's subjectAltName extension is empty; it must list the order's identifiers.");
  const seen = new Set<string>();
  const identifiers: CsrIdentifier[] = [];
  for (const name of names) {
    const identifier = readGeneralName(name);
    const key = identifierKey(identifier);
    if (seen.has(key)) throw new CsrRefusal(`The CSR's subjectAltName lists ${key} more than once.`);
    seen.add(key);
    identifiers.push(identifier);
  }
  return identifiers;
}

function readGeneralName(node: DerNode): CsrIdentifier {
  if (node.tag === DNS_NAME) return { type: "dns", value: canonicalDnsName(readIa5(node, "a dNSName")) };
  if (node.tag === IP_ADDRESS) return { type: "ip", value: ipText(content(node)) };
  const only = "only dNSName and iPAddress entries are accepted";
  if (node.tag === OTHER_NAME) throw new CsrRefusal(`The CSR's subjectAltName holds an otherName${otherNameType(node)}; ${only}.`);
  const kind = (node.tag & 0xc0) === 0x80 ? REFUSED_KINDS[node.tag & 0x1f] : undefined;
  if (kind === undefined) {
    if (node.tag === (DNS_NAME | 0x20) || node.tag === (IP_ADDRESS | 0x20)) throw notDer("a subjectAltName entry", "uses a constructed encoding for a string");
    throw new CsrRefusal(`The CSR's subjectAltName holds an entry of unknown kind (tag 0x${node.tag.toString(16)}); ${only}.`);
  }
  throw new CsrRefusal(`The CSR's subjectAltName holds ${kind}; ${only}.`);
}

/** " (Microsoft UPN, 1.3.6.1.4.1.311.20.2.3)" when the otherName's type can be read, else "". */
function otherNameType(node: DerNode): string {
  try {
    const [typeId] = elements(node, "an otherName");
    if (!typeId) return "";
    const oid = readOid(typeId, "an otherName type");
    return oid === Oid.upn ? ` (Microsoft UPN, ${oid})` : ` (${describeOid(oid)})`;
  } catch {
    return "";
  }
}
