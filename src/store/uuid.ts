/** UUIDv7 (RFC 9562 §5.7): time-ordered ids, so event ids sort roughly by creation. */
import { randomFillSync, randomUUID } from "node:crypto";

// One call into the CSPRNG per 256 ids instead of one per id: appends mint an id per event, and
// every HTTP request mints its request id.
const pool = Buffer.alloc(16 * 256);
let offset = pool.length;

/** Two lower-case hex digits per byte value, so an id is formatted without a Buffer per id. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

function hex(bytes: Uint8Array, from: number, to: number): string {
  let text = "";
  for (let i = from; i < to; i++) text += HEX[bytes[i] ?? 0];
  return text;
}

export function uuidv7(nowMs: number = Date.now()): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const b = pool;
  const o = offset;
  offset += 16;
  // 48-bit big-endian unix_ts_ms, then version 7 and the RFC 9562 variant over random bits.
  b.writeUIntBE(nowMs, o, 6);
  b[o + 6] = 0x70 | ((b[o + 6] ?? 0) & 0x0f);
  b[o + 8] = 0x80 | ((b[o + 8] ?? 0) & 0x3f);
  return `${hex(b, o, o + 4)}-${hex(b, o + 4, o + 6)}-${hex(b, o + 6, o + 8)}-${hex(b, o + 8, o + 10)}-${hex(b, o + 10, o + 16)}`;
}

export const uuidv4 = (): string => randomUUID();
