/**
 * A v2 CRL (RFC 5280 §5.1) signed by the issuing CA. The revokedCertificates entries come in
 * already encoded (`revokedCertificateEntry`): an entry never changes once written, so a CA that
 * keeps them encoded rebuilds a CRL by copying and signing (docs/reliability.md, "What was
 * changed", has the measurements).
 */
import { TAG, explicit, integer, sequence, time, tlvOf, unsignedInteger } from "../der/encode.js";
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
  /**
   * The revokedCertificates entries, each from `revokedCertificateEntry`, in chunks to be
   * concatenated: one entry a chunk, or many entries kept end to end in one.
   */
  readonly revokedEntries: readonly Uint8Array[];
  /** the CRL's scope, an encoded `issuingDistributionPoint` extension (§5.2.5); absent: a complete CRL */
  readonly issuingDistributionPoint?: Uint8Array | undefined;
}

const VERSION_2 = integer(1);
const UNSPECIFIED = 0;

/** One element of revokedCertificates (§5.1.2.6), DER. */
export function revokedCertificateEntry(entry: RevokedCertificate): Buffer {
  return sequence(
    unsignedInteger(entry.serial),
    time(entry.revokedAt),
    // §5.3.1: "the reason code CRL entry extension SHOULD be absent instead of using the
    // unspecified (0) reasonCode value".
    ...(entry.reasonCode === UNSPECIFIED ? [] : [sequence(crlReason(entry.reasonCode))]),
  );
}

export function certificateRevocationList(fields: CrlFields, signer: TbsSigner): Buffer {
  const tbs = sequence(
    VERSION_2,
    signer.algorithmIdentifier,
    fields.issuerName,
    time(fields.thisUpdate),
    time(fields.nextUpdate),
    // §5.1.2.6: with no revoked certificates the list MUST be absent, not empty.
    ...(fields.revokedEntries.every((chunk) => chunk.length === 0) ? [] : [tlvOf(TAG.SEQUENCE, fields.revokedEntries)]),
    explicit(
      0,
      sequence(
        authorityKeyIdentifier(fields.authorityKeyId),
        crlNumber(fields.crlNumber),
        ...(fields.issuingDistributionPoint === undefined ? [] : [fields.issuingDistributionPoint]),
      ),
    ),
  );
  return signTbs(tbs, signer);
}
