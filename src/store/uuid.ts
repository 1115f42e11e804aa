/** UUIDv7 (RFC 9562 §5.7): time-ordered ids, so event ids sort roughly by creation. */
import { randomFillSync, randomUUID } from "node:crypto";

/** Random bytes per id: bytes 6–15 of the UUID (0–5 are the timestamp). */
const RANDOM_BYTES = 10;
// One call into the CSPRNG per 256 ids instead of one per id: appends mint an id per event.
const pool = Buffer.alloc(RANDOM_BYTES * 256);
let offset = pool.length;

/** The 48-bit millisecond timestamp as `xxxxxxxx-xxxx`, kept for the millisecond it was built for. */
let prefixMs = -1;
let prefix = "";

function timePrefix(nowMs: number): string {
  if (nowMs !== prefixMs) {
    if (!Number.isSafeInteger(nowMs) || nowMs < 0 || nowMs >= 2 ** 48) throw new RangeError(`UUIDv7 timestamp out of range: ${nowMs}`);
    const h = nowMs.toString(16).padStart(12, "0");
    prefix = `${h.slice(0, 8)}-${h.slice(8)}`;
    prefixMs = nowMs;
  }
  return prefix;
}

/** Variant 10xx (RFC 9562 §4.1): the first hex digit of byte 8 from its two random bits. */
const VARIANT_DIGIT = "89ab";

export function uuidv7(nowMs: number = Date.now()): string {
  const time = timePrefix(nowMs);
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  // Bytes 6–15 as hex: the version digit replaces byte 6's high nibble, the variant bits byte 8's.
  const r = pool.toString("hex", offset, offset + RANDOM_BYTES);
  const variant = VARIANT_DIGIT[((pool[offset + 2] ?? 0) >> 4) & 0x3] ?? "8";
  offset += RANDOM_BYTES;
  return `${time}-7${r.slice(1, 4)}-${variant}${r.slice(5, 8)}-${r.slice(8)}`;
}

export const uuidv4 = (): string => randomUUID();
