/**
 * MD4 (RFC 1320). NTLM's password hash is MD4 of the UTF-16LE password (MS-NLMP §3.3.1), and
 * Node 17+ no longer offers MD4: OpenSSL 3 moved it to the legacy provider, so
 * `createHash("md4")` throws ERR_OSSL_EVP_UNSUPPORTED (adcs.md §3.2). MD4 is broken as a hash;
 * it is here only because the protocol fixes it, and it only ever hashes our own password.
 */

const rotl = (x: number, n: number): number => (x << n) | (x >>> (32 - n));

// RFC 1320 §3.4: the three auxiliary functions and the round constants.
const F = (x: number, y: number, z: number): number => (x & y) | (~x & z);
const G = (x: number, y: number, z: number): number => (x & y) | (x & z) | (y & z);
const H = (x: number, y: number, z: number): number => x ^ y ^ z;
const ROUND_2 = 0x5a827999;
const ROUND_3 = 0x6ed9eba1;

// The order in which each round visits the block's sixteen words, and its shifts.
const ORDER_1 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];
const ORDER_2 = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15];
const ORDER_3 = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15];
const SHIFTS_1 = [3, 7, 11, 19];
const SHIFTS_2 = [3, 5, 9, 13];
const SHIFTS_3 = [3, 9, 11, 15];

export function md4(message: Uint8Array): Uint8Array {
  // §3.1–3.2: pad with 0x80 then zeros to 56 mod 64, then the bit length as 64-bit little endian.
  const paddedLength = (((message.length + 8) >> 6) + 1) << 6;
  const padded = new Uint8Array(paddedLength);
  padded.set(message);
  padded[message.length] = 0x80;
  const view = new DataView(padded.buffer);
  const bits = message.length * 8;
  view.setUint32(paddedLength - 8, bits >>> 0, true);
  view.setUint32(paddedLength - 4, Math.floor(bits / 0x1_0000_0000), true);

  // §3.3: the initial state.
  const state = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476];
  const words = new Array<number>(16);
  for (let offset = 0; offset < paddedLength; offset += 64) {
    for (let i = 0; i < 16; i++) words[i] = view.getUint32(offset + i * 4, true);
    const [a0, b0, c0, d0] = state as [number, number, number, number];
    const abcd = [a0, b0, c0, d0];
    const round = (fn: (x: number, y: number, z: number) => number, order: number[], shifts: number[], constant: number) => {
      for (let step = 0; step < 16; step++) {
        // The registers rotate roles each step: a, d, c, b take the "first" place in turn.
        const target = (4 - (step % 4)) % 4;
        const a = abcd[target] ?? 0;
        const b = abcd[(target + 1) % 4] ?? 0;
        const c = abcd[(target + 2) % 4] ?? 0;
        const d = abcd[(target + 3) % 4] ?? 0;
        abcd[target] = rotl((a + fn(b, c, d) + (words[order[step] ?? 0] ?? 0) + constant) | 0, shifts[step % 4] ?? 0);
      }
    };
    round(F, ORDER_1, SHIFTS_1, 0);
    round(G, ORDER_2, SHIFTS_2, ROUND_2);
    round(H, ORDER_3, SHIFTS_3, ROUND_3);
    for (let i = 0; i < 4; i++) state[i] = ((state[i] ?? 0) + (abcd[i] ?? 0)) | 0;
  }

  const digest = new Uint8Array(16);
  const out = new DataView(digest.buffer);
  state.forEach((word, i) => out.setUint32(i * 4, word >>> 0, true));
  return digest;
}
