/**
 * How the embedded CA splits its revocations over several CRLs (pure).
 *
 * Each certificate's CRL distribution point (RFC 5280 §4.2.1.13) names one CRL "scope": the
 * shard its serial falls in, or — for certificates issued before CRLs were partitioned — the
 * single legacy CRL they were issued with. A revocation then rebuilds and signs that scope's CRL
 * only, about 1/shards of the list, instead of every revoked serial.
 *
 * The scope is read from the serial alone, so the CA needs no record of what it issued:
 * - every serial this CA issued before partitioning was 16 random octets with the top bit clear
 *   (below 2^127); such a serial, or any other below 2^128, is in the legacy scope;
 * - partitioned serials are 0x01 then 16 random octets (2^128 and above, serial.ts), and their
 *   shard is the serial modulo the shard count (the count is a power of two: the low bits, which
 *   are random).
 *
 * The shard count is fixed when the CA first records its revocation list (revoked.json format 3
 * keeps it) and never changes after: a certificate's distribution point is signed into it, so
 * moving serials to other shards would leave issued certificates pointing at CRLs that no longer
 * list their revocation.
 */
import { LocalAuthorityError } from "./errors.js";

export const DEFAULT_CRL_SHARDS = 16;
export const MAX_CRL_SHARDS = 256;

/** A CRL scope: a shard's index, or the legacy CRL of certificates issued before partitioning. */
export type CrlScope = number | "legacy";

/** The first octet of a partitioned serial: it makes every one of them at least 2^128. */
export const PARTITIONED_SERIAL_MARK = 0x01;
const PARTITIONED_SERIAL_HEX_LENGTH = 34;

/** 1, 2, 4 … 256 (a power of two: the shard is then the serial's random low bits). */
export const isValidShardCount = (shards: number): boolean =>
  Number.isInteger(shards) && shards >= 1 && shards <= MAX_CRL_SHARDS && (shards & (shards - 1)) === 0;

/** The scope of a serial in canonical hex (serial.ts canonicalSerialHex). */
export function crlScopeOf(serialHex: string, shards: number): CrlScope {
  // Canonical hex has no redundant leading zeros: 17 octets starting 01..7f means ≥ 2^128.
  if (serialHex.length < PARTITIONED_SERIAL_HEX_LENGTH || (serialHex.length === PARTITIONED_SERIAL_HEX_LENGTH && serialHex.startsWith("00"))) return "legacy";
  return Number.parseInt(serialHex.slice(-4), 16) & (shards - 1);
}

/**
 * The shard count to run with: the one recorded with the CA if there is one, else the configured
 * one (or the default). A configured count that differs from the recorded one is refused rather
 * than ignored, so the operator learns it has no effect.
 */
export function decideShardCount(recorded: number | undefined, configured: number | undefined, snapshot: string): number {
  if (configured !== undefined && !isValidShardCount(configured)) {
    throw new LocalAuthorityError(`crl-shards must be a power of two from 1 to ${MAX_CRL_SHARDS}, got ${configured}`);
  }
  if (recorded === undefined) return configured ?? DEFAULT_CRL_SHARDS;
  if (configured !== undefined && configured !== recorded) {
    throw new LocalAuthorityError(
      `crl-shards is ${configured} but this CA's CRLs were partitioned into ${recorded} shards when it first started (${snapshot}); ` +
        `certificates already issued name those ${recorded} CRLs: set crl-shards: ${recorded} or remove the key`,
    );
  }
  return recorded;
}
