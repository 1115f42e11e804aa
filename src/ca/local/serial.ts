/**
 * Certificate serial numbers (RFC 5280 §4.1.2.2): positive, unique per issuer, at most 20 octets.
 * Certeasy's are the octet 01 then 16 random octets: 128 bits of CSPRNG output (the CA/Browser
 * Forum asks for at least 64), never a sign octet, and always at least 2^128 — above every serial
 * issued before CRLs were partitioned (16 octets, top bit clear), which is how crl-partition.ts
 * tells a certificate that names a CRL shard from one that names the legacy CRL.
 */
import { randomFillSync } from "node:crypto";
import { PARTITIONED_SERIAL_MARK } from "./crl-partition.js";

export interface Serial {
  /** the INTEGER's content octets, minimal two's complement: a leading 00 only before a top bit */
  readonly octets: Buffer;
  /** the same octets as lower-case hex */
  readonly hex: string;
}

const SERIAL_OCTETS = 16;
/**
 * Random octets are drawn 4 KiB at a time: one CSPRNG call per 256 serials instead of one each,
 * which is measurable on the issuing hot path. Every octet is still used once only.
 */
const pool = Buffer.allocUnsafe(4096);
let poolOffset = pool.length;

function nextRandomOctets(): Buffer {
  if (poolOffset + SERIAL_OCTETS > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  // A copy: the serial outlives the pool's next refill.
  const bytes = Buffer.from(pool.subarray(poolOffset, poolOffset + SERIAL_OCTETS));
  pool.fill(0, poolOffset, poolOffset + SERIAL_OCTETS);
  poolOffset += SERIAL_OCTETS;
  return bytes;
}

export function randomSerial(): Serial {
  // A non-zero first octet without its top bit: already minimal, positive two's complement
  // (X.690 §8.3.2), 17 octets whatever the random ones are.
  const octets = Buffer.concat([Buffer.from([PARTITIONED_SERIAL_MARK]), nextRandomOctets()]);
  return { octets, hex: octets.toString("hex") };
}

/**
 * A serial given as hex, in the form `IssuedCertificate.serialHex` uses (DER content octets):
 * lower-cased, redundant leading zeros dropped, a 00 kept when the top bit would read negative.
 * Undefined for text that is not hex or is zero.
 */
export function canonicalSerialHex(text: string): string | undefined {
  if (!/^[0-9a-fA-F]{1,42}$/.test(text)) return undefined;
  const value = BigInt(`0x${text}`);
  if (value === 0n) return undefined;
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return parseInt(hex.slice(0, 2), 16) & 0x80 ? `00${hex}` : hex;
}
