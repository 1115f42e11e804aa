/** UUIDv7 (RFC 9562 §5.7): time-ordered ids, so event ids sort roughly by creation. */
import { randomFillSync, randomUUID } from "node:crypto";

// One call into the CSPRNG per 256 ids instead of one per id: appends mint an id per event.
const pool = Buffer.alloc(16 * 256);
let offset = pool.length;

function random16(): Buffer {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const b = Buffer.from(pool.subarray(offset, offset + 16));
  offset += 16;
  return b;
}

export function uuidv7(nowMs: number = Date.now()): string {
  const b = random16();
  b.writeUIntBE(nowMs, 0, 6);
  b[6] = 0x70 | ((b[6] ?? 0) & 0x0f);
  b[8] = 0x80 | ((b[8] ?? 0) & 0x3f);
  const h = b.toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const uuidv4 = (): string => randomUUID();
