/**
 * Hex digits read without a regular expression or a Buffer: the compact per-certificate state
 * (uuid-table.ts, the duplicate-certificate key) reads ids and hashes on every certificate event
 * and every newOrder check, so this stays a table lookup per character.
 */
const LOWER = new Int8Array(128).fill(-1);
for (let d = 0; d < 10; d++) LOWER[48 + d] = d;
for (let d = 0; d < 6; d++) LOWER[97 + d] = 10 + d;
const ANY_CASE = Int8Array.from(LOWER);
for (let d = 0; d < 6; d++) ANY_CASE[65 + d] = 10 + d;

/** The value of the hex digit at `text[index]`, either case, or -1 when it is not one. */
export function hexDigit(text: string, index: number): number {
  const code = text.charCodeAt(index);
  return code < 128 ? (ANY_CASE[code] as number) : -1;
}

/** The byte written as two lowercase hex digits at `text[index]`, or -1. */
export function lowercaseHexByte(text: string, index: number): number {
  const high = text.charCodeAt(index);
  const low = text.charCodeAt(index + 1);
  if (high >= 128 || low >= 128) return -1;
  const [h, l] = [LOWER[high] as number, LOWER[low] as number];
  return h === -1 || l === -1 ? -1 : h * 16 + l;
}
