/**
 * One CRL scope of the embedded CA (crl-partition.ts) as the publisher holds it: the revocations
 * its CRL lists, the CRL served now, and the batch waiting for the next one.
 */
import { issuingDistributionPoint } from "../x509/extensions.js";
import type { TbsSigner } from "../x509/signer.js";
import type { CrlBatch } from "./crl-batch.js";
import { type CrlScope, crlScopeOf } from "./crl-partition.js";
import type { IssuingCa } from "./issuing-ca.js";
import { ListedRevocations } from "./listed-revocations.js";
import { type PublishedCrl, publishCrl } from "./published-crl.js";
import type { Revocation } from "./revocation-file.js";

export interface CrlScopeState {
  readonly scope: CrlScope;
  /** its issuingDistributionPoint extension, encoded once */
  readonly idp: Buffer;
  readonly listed: ListedRevocations;
  crl: PublishedCrl;
  next: CrlBatch | undefined;
  /** a reissue is queued or being written: crlDer() asks for no second one */
  reissueAsked: boolean;
}

export interface BootedScopes {
  /** the shards by index, then the legacy scope */
  readonly states: readonly CrlScopeState[];
  /** the number of the last CRL built */
  readonly lastCrlNumber: bigint;
}

/**
 * Every scope's list from the stored revocations, and a fresh CRL for each, numbered from
 * `lastCrlNumber + 1` on (shards in order, then the legacy CRL). The entries each is the first
 * to list past their notAfter are pruned (RFC 5280 §3.3).
 */
export function bootScopes(
  stored: { readonly revocations: readonly Revocation[]; readonly lastCrlNumber: bigint },
  shards: number,
  crl: { readonly issuing: IssuingCa; readonly signer: TbsSigner; readonly now: Date; readonly urlsOf: (scope: CrlScope) => readonly string[] },
): BootedScopes {
  const byScope = new Map<CrlScope, Revocation[]>();
  for (const revocation of stored.revocations) {
    const scope = crlScopeOf(revocation.serialHex, shards);
    const list = byScope.get(scope) ?? [];
    list.push(revocation);
    byScope.set(scope, list);
  }
  let lastCrlNumber = stored.lastCrlNumber;
  const scopes: CrlScope[] = [...Array.from({ length: shards }, (_, shard) => shard), "legacy"];
  const states = scopes.map((scope): CrlScopeState => {
    const idp = issuingDistributionPoint(crl.urlsOf(scope));
    const listed = new ListedRevocations(byScope.get(scope) ?? []);
    lastCrlNumber += 1n;
    const published = publishCrl(crl.issuing, crl.signer, listed.entriesWith([]), lastCrlNumber, crl.now, idp);
    listed.prune(published.thisUpdate);
    return { scope, idp, listed, crl: published, next: undefined, reissueAsked: false };
  });
  return { states, lastCrlNumber };
}
