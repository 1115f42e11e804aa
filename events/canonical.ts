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
  // Event data, metas and lines are plain objects, arrays and primitives. For those, one walk in
  // JavaScript checks the numbers and puts keys in order (copying only objects whose keys are
  // not), and JSON.stringify then runs without a replacer: its native fast path does the
  // escaping. A replacer is a call back into JavaScript for every value, and this runs for every
  // appended event and audit line. Anything else takes the general path below.
  try {
    return stringified(JSON.stringify(inCanonicalOrder(value, 0)), value);
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
  }
  try {
    return stringified(JSON.stringify(value, canonicalReplacer), value);
  } catch (error) {
    if (error !== INDEX_KEYS) throw error;
    return canonicalSlow(value);
  }
}

function stringified(text: string | undefined, value: unknown): string {
  if (text === undefined) throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  return text;
}

/**
 * Thrown by the fast walk for what it leaves to the general path: index keys, objects that are
 * not plain (class instances, `toJSON`), nesting deep enough to be a cycle.
 */
const NOT_PLAIN = Symbol("not plain data");
const MAX_PLAIN_DEPTH = 256;

/** `value` with the keys of every object sorted (the same object where they already are). */
function inCanonicalOrder(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case "number":
      if (!Number.isSafeInteger(value)) throw new TypeError(`canonical JSON allows only safe integers, got ${value}`);
      return value;
    case "string":
    case "boolean":
    case "undefined":
      return value;
    case "object": {
      if (value === null) return value;
      if (depth > MAX_PLAIN_DEPTH) throw NOT_PLAIN;
      if (Array.isArray(value)) {
        let copy: unknown[] | undefined;
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          const ordered = inCanonicalOrder(item, depth + 1);
          if (ordered !== item) (copy ??= value.slice())[i] = ordered;
        }
        return copy ?? value;
      }
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
      const record = value as Record<string, unknown>;
      if (typeof record["toJSON"] === "function") throw NOT_PLAIN;
      const keys = Object.keys(record);
      let sorted = true;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] ?? "";
        if (INDEX_KEY.test(key)) throw NOT_PLAIN;
        if (i > 0 && (keys[i - 1] ?? "") > key) sorted = false;
      }
      if (!sorted) keys.sort();
      let copy: Record<string, unknown> | undefined = sorted ? undefined : {};
      for (const key of keys) {
        const member = record[key];
        const ordered = inCanonicalOrder(member, depth + 1);
        if (copy) put(copy, key, ordered);
        else if (ordered !== member) put((copy = { ...record }), key, ordered);
      }
      return copy ?? record;
    }
    default:
      throw new TypeError(`canonical JSON cannot encode a ${typeof value}`);
  }
}

function put(record: Record<string, unknown>, key: string, value: unknown): void {
  // "__proto__" is a data key here, not the prototype: assigning it would drop it from the text.
  if (key === "__proto__") Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
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
      for (const key of keys.sort()) put(sorted, key, record[key]);
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
