/** Reading the few fields of an existing certificate that issuing needs, straight from its DER. */
import { TAG } from "../der/encode.js";
import { childrenOf, encodingOf, expectTag, readWhole } from "../der/read.js";

/**
 * The subject Name's exact encoding (RFC 5280 §4.1.2.6). Leaves and CRLs copy it verbatim as
 * their issuer: re-encoding could change string types and break name chaining (§7.1).
 */
export function subjectNameOf(certificateDer: Uint8Array): Uint8Array {
  const certificate = readWhole(certificateDer, TAG.SEQUENCE);
  const tbs = expectTag(childrenOf(certificateDer, certificate)[0], TAG.SEQUENCE);
  const fields = childrenOf(certificateDer, tbs);
  // version [0] is optional; after it: serial, signature, issuer, validity, subject.
  const skip = fields[0]?.tag === 0xa0 ? 1 : 0;
  return encodingOf(certificateDer, expectTag(fields[skip + 4], TAG.SEQUENCE));
}
