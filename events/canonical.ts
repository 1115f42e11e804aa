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
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
    case "boolean":
      return JSON.stringify(value);
    case "number":
      if (!Number.isSafeInteger(value)) {
        throw new TypeError(`canonical JSON allows only safe integers, got ${value}`);
      }
      return String(value);
    case "object": {
      // Plain loops: this runs for every event appended and every audit line written.
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + canonicalJson(value[i]);
        return `${out}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = "{";
      for (const key of keys) {
        const v = record[key];
        if (v === undefined) continue;
        out += (out.length === 1 ? "" : ",") + JSON.stringify(key) + ":" + canonicalJson(v);
      }
      return `${out}}`;
    }
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
}
