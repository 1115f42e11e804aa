/**
 * The CSR attributes (RFC 2986 §4.1, RFC 2985 §5.4.2): none, or exactly one, extensionRequest,
 * with one value — the requested extensions. Anything else (challengePassword, the Microsoft enrollment
 * name-value pair that can carry a SAN to ADCS, …) is refused by name (behaviour reference §2.3).
 *
 *   Attributes ::= [0] IMPLICIT SET OF Attribute
 *   Attribute ::= SEQUENCE { type OBJECT IDENTIFIER, values SET SIZE(1..MAX) OF ANY }
 *   Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
 */
import { elements, expectTag, readOid, Tag, type DerNode } from "./der.js";
import { describeOid, Oid } from "./oids.js";
import { CsrRefusal, notDer } from "./refusal.js";

/**
 * The `Extensions` sequence requested by the CSR's single extensionRequest attribute, or null when
 * the CSR has no attribute: it then requests no extension, and names its one DNS name in the CN.
 */
export function readRequestedExtensions(attributesNode: DerNode): DerNode | null {
  const attributes = elements(attributesNode, "the attributes");
  const [attribute, ...others] = attributes.map(readAttribute);
  if (!attribute) return null;
  const foreign = [attribute, ...others].find((candidate) => candidate.type !== Oid.extensionRequest);
  if (foreign) throw new CsrRefusal(`The CSR carries the attribute ${describeOid(foreign.type)}; only extensionRequest is accepted.`);
  if (others.length > 0) throw new CsrRefusal("The CSR carries more than one extensionRequest attribute; exactly one is accepted.");
  const [value, ...moreValues] = attribute.values;
  if (!value) throw notDer("the extensionRequest attribute", "has no value");
  if (moreValues.length > 0) throw new CsrRefusal("The CSR's extensionRequest attribute holds more than one value; exactly one is accepted.");
  const extensions = expectTag(value, Tag.SEQUENCE, "the requested extensions");
  // Extensions ::= SEQUENCE SIZE (1..MAX): an empty one is not DER of that type.
  if (extensions.end === extensions.contentStart) throw new CsrRefusal("The CSR's extensionRequest is empty; RFC 2985 requires at least one extension in it.");
  return extensions;
}

function readAttribute(node: DerNode): { readonly type: string; readonly values: readonly DerNode[] } {
  const what = "a CSR attribute";
  const [typeNode, valuesNode, ...extra] = elements(expectTag(node, Tag.SEQUENCE, what), what);
  if (!typeNode || !valuesNode || extra.length > 0) throw notDer(what, "must hold exactly a type and a set of values");
  const type = readOid(typeNode, what);
  return { type, values: elements(expectTag(valuesNode, Tag.SET, "the values of a CSR attribute"), "the values of a CSR attribute") };
}
