/**
 * The extKeyUsage extension (RFC 5280 §4.2.1.12). serverAuth is what ACME certificates are for;
 * any other purpose — clientAuth, smart card logon, certificate request agent, anyExtendedKeyUsage
 * — only if the issuance policy lists it (behaviour reference §2.3 `csr.allowed-extra-eku`; ESC2,
 * ESC3 and ESC13 in §13.1).
 *
 *   ExtKeyUsageSyntax ::= SEQUENCE SIZE (1..MAX) OF KeyPurposeId
 */
import { elements, expectTag, readOid, readWhole, Tag } from "./der.js";
import { describeOid, Oid } from "./oids.js";
import type { CsrPolicy } from "./policy.js";
import { CsrRefusal } from "./refusal.js";

/** The purposes requested besides serverAuth, in the CSR's order. */
export function readExtraEkus(extensionValue: Uint8Array, policy: CsrPolicy): string[] {
  const what = "the extKeyUsage extension";
  const purposes = elements(expectTag(readWhole(extensionValue, what), Tag.SEQUENCE, what), what).map((node) => readOid(node, "a key purpose"));
  if (purposes.length === 0) throw new CsrRefusal("The CSR's extKeyUsage extension is empty; RFC 5280 §4.2.1.12 requires at least one key purpose.");
  const seen = new Set<string>();
  const extra: string[] = [];
  for (const purpose of purposes) {
    if (seen.has(purpose)) throw new CsrRefusal(`The CSR's extKeyUsage lists ${describeOid(purpose)} more than once.`);
    seen.add(purpose);
    if (purpose === Oid.serverAuth) continue;
    if (!policy.allowedExtraEkus.includes(purpose)) {
      throw new CsrRefusal(
        `The CSR requests the extended key usage ${describeOid(purpose)}, which the issuance policy does not allow; only serverAuth (${Oid.serverAuth}) is allowed unless the policy lists more.`,
      );
    }
    extra.push(purpose);
  }
  return extra;
}
