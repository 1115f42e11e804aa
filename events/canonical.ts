/**
 * Canonical JSON (the subset of RFC 8785 that our events use): object keys sorted by UTF-16
 * code units, no whitespace, strings escaped as JSON.stringify does, integers only.
 *
 * Why: the hash chain covers the exact text stored in the `body` column and written to the
 * audit file. Any two programs that build the same envelope must produce the same bytes, and a
 * verifier must be able to recompute them, whatever database or driver returned the row.
 */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  // JSON.stringify does the escaping and the walk natively; the replacer only hands it objects
  // with sorted keys and refuses what has no single spelling. It runs for every appended event
  // and every audit line, so it avoids copying objects whose keys are already in order.
  try {
    const text = JSON.stringify(value, canonicalReplacer);
    if (text === undefined) throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
    return text;
  } catch (error) {
    if (error !== INDEX_KEYS) throw error;
    return canonicalSlow(value);
  }
}

/**
 * Engines enumerate array-index keys ("0", "9", "10") first and in numeric order, whatever
 * the insertion order, so JSON.stringify cannot emit them sorted as strings ("10" < "9").
 * Objects with such keys take this explicit, slower walk.
 */
const INDEX_KEYS = Symbol("index keys");
const INDEX_KEY = /^(?:0|[1-9][0-9]{0,9})$/;

function canonicalSlow(value: unknown): string {
  if (value !== null && typeof value === "object") {
    if (Array.isArray(value)) return `[${value.map((v) => canonicalSlow(v === undefined ? null : v)).join(",")}]`;
    const record = value as Record<string, unknown>;
    const members = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalSlow(record[k])}`);
    return `{${members.join(",")}}`;
  }
  return canonicalJson(value);
}

function canonicalReplacer(_key: string, value: unknown): unknown {
  switch (typeof value) {
    case "number":
      if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON allows only safe integers, got ${value}`);
      return value;
    case "object": {
      if (value === null || Array.isArray(value)) return value;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      if (keys.some((k) => INDEX_KEY.test(k))) throw INDEX_KEYS;
      if (isSorted(keys)) return record;
      const sorted: Record<string, unknown> = {};
      for (const key of keys.sort()) sorted[key] = record[key];
      return sorted;
    }
    case "string":
    case "boolean":
    case "undefined":
      return value;
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
}

function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] ?? "") > (keys[i] ?? "")) return false;
  return true;
}
