/**
 * Building the embedded CA's CRL (RFC 5280 §5) from its revocation list (pure). A CRL is valid for
 * seven days and reissued once it is a day old, so a relying party that fetched it within the
 * last day always holds one with six days to run.
 */
import { certificateRevocationList, revokedCertificateEntry } from "../x509/crl.js";
import type { TbsSigner } from "../x509/signer.js";
import type { IssuingCa } from "./issuing-ca.js";
import type { Revocation } from "./revocation-file.js";

export const CRL_VALIDITY_MS = 7 * 86_400_000;
export const CRL_REFRESH_MS = 86_400_000;

export interface PublishedCrl {
  readonly der: Buffer;
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
}

/** A revocation as its revokedCertificates entry (encode once, list on every CRL after). */
export const crlEntryOf = (revocation: Revocation): Buffer =>
  revokedCertificateEntry({ serial: Buffer.from(revocation.serialHex, "hex"), revokedAt: revocation.revokedAt, reasonCode: revocation.reasonCode });

/**
 * `entries`: from `crlEntryOf`, in the order they were revoked. `issuingDistributionPoint`: the
 * encoded extension naming the CRL's scope (crl-partition.ts); without it the CRL is complete.
 */
export function publishCrl(
  issuing: IssuingCa,
  signer: TbsSigner,
  entries: readonly Uint8Array[],
  crlNumber: bigint,
  now: Date,
  issuingDistributionPoint?: Uint8Array,
): PublishedCrl {
  const thisUpdate = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const nextUpdate = new Date(thisUpdate.getTime() + CRL_VALIDITY_MS);
  const der = certificateRevocationList(
    { issuerName: issuing.subjectName, authorityKeyId: issuing.subjectKeyId, crlNumber, thisUpdate, nextUpdate, revokedEntries: entries, issuingDistributionPoint },
    signer,
  );
  return { der, crlNumber, thisUpdate, nextUpdate };
}

/** True when the CRL is a day old (or the clock went back past it): time for a fresh one. */
export const crlIsStale = (crl: PublishedCrl, now: Date): boolean => {
  const age = now.getTime() - crl.thisUpdate.getTime();
  return age >= CRL_REFRESH_MS || age < 0;
};
