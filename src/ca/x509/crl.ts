/** A v2 CRL (RFC 5280 §5.1) signed by the issuing CA. */
import { explicit, integer, sequence, time, unsignedInteger } from "../der/encode.js";
import { authorityKeyIdentifier, crlNumber, crlReason } from "./extensions.js";
import { type TbsSigner, signTbs } from "./signer.js";

export interface RevokedCertificate {
  /** the serial's magnitude octets */
  readonly serial: Uint8Array;
  readonly revokedAt: Date;
  /** RFC 5280 §5.3.1 CRLReason */
  readonly reasonCode: number;
}

export interface CrlFields {
  /** the issuing CA's subject Name, DER, verbatim (§5.1.2.3) */
  readonly issuerName: Uint8Array;
  readonly authorityKeyId: Uint8Array;
  /** §5.2.3: monotonically increasing for this issuer */
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
  readonly revoked: readonly RevokedCertificate[];
}

const VERSION_2 = integer(1);
const UNSPECIFIED = 0;

export function certificateRevocationList(fields: CrlFields, signer: TbsSigner): Buffer {
  const entries = fields.revoked.map((entry) =>
    sequence(
      unsignedInteger(entry.serial),
      time(entry.revokedAt),
      // §5.3.1: "the reason code CRL entry extension SHOULD be absent instead of using the
      // unspecified (0) reasonCode value".
      ...(entry.reasonCode === UNSPECIFIED ? [] : [sequence(crlReason(entry.reasonCode))]),
    ),
  );
  const tbs = sequence(
    VERSION_2,
    signer.algorithmIdentifier,
    fields.issuerName,
    time(fields.thisUpdate),
    time(fields.nextUpdate),
    // §5.1.2.6: with no revoked certificates the list MUST be absent, not empty.
    ...(entries.length === 0 ? [] : [sequence(...entries)]),
    explicit(0, sequence(authorityKeyIdentifier(fields.authorityKeyId), crlNumber(fields.crlNumber))),
  );
  return signTbs(tbs, signer);
}
