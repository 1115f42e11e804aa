/**
 * AV_PAIR lists (MS-NLMP §2.2.2.1): the server's TargetInfo in the CHALLENGE message, which the
 * client copies — with a few pairs of its own — into the NTLMv2 response it signs over.
 */

export const AV = {
  EOL: 0x0000,
  NB_COMPUTER_NAME: 0x0001,
  NB_DOMAIN_NAME: 0x0002,
  DNS_COMPUTER_NAME: 0x0003,
  DNS_DOMAIN_NAME: 0x0004,
  FLAGS: 0x0006,
  TIMESTAMP: 0x0007,
  CHANNEL_BINDINGS: 0x000a,
} as const;

/** MsvAvFlags bit 0x2: the AUTHENTICATE message carries a MIC (MS-NLMP §2.2.2.1). */
export const AV_FLAG_MIC_PRESENT = 0x2;

export interface AvPair {
  readonly id: number;
  readonly value: Uint8Array;
}

export class NtlmFormatError extends Error {
  override readonly name = "NtlmFormatError";
}

/** The pairs before MsvAvEOL; throws NtlmFormatError when a pair runs past the end or EOL is missing. */
export function readAvPairs(bytes: Uint8Array): AvPair[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const pairs: AvPair[] = [];
  for (let offset = 0; offset + 4 <= bytes.length; ) {
    const id = view.getUint16(offset, true);
    const length = view.getUint16(offset + 2, true);
    if (id === AV.EOL) return pairs;
    if (offset + 4 + length > bytes.length) throw new NtlmFormatError(`AV pair 0x${id.toString(16)} runs past the end of the target information`);
    pairs.push({ id, value: bytes.subarray(offset + 4, offset + 4 + length) });
    offset += 4 + length;
  }
  throw new NtlmFormatError("the target information does not end with MsvAvEOL");
}

/** The pairs followed by MsvAvEOL. */
export function writeAvPairs(pairs: readonly AvPair[]): Uint8Array {
  const out = Buffer.alloc(pairs.reduce((sum, pair) => sum + 4 + pair.value.length, 4));
  let offset = 0;
  for (const pair of pairs) {
    out.writeUInt16LE(pair.id, offset);
    out.writeUInt16LE(pair.value.length, offset + 2);
    out.set(pair.value, offset + 4);
    offset += 4 + pair.value.length;
  }
  // The trailing four zero bytes are MsvAvEOL with length 0.
  return new Uint8Array(out);
}
