/**
 * Checking one audit line's text against the line before it (pure). The file scanner, the
 * boot-time repair and `audit verify` all judge lines here, so a line is either accepted or
 * named with one reason everywhere.
 */
import { canonicalJson } from "../../events/index.js";
import { LIFECYCLE_KINDS, lineHash, type AuditLine, type ChainTip } from "./line.js";

export type LineFaultKind = "parse" | "bad-hash" | "bad-seq" | "broken-link";

export type LineCheck =
  | { readonly ok: true; readonly line: AuditLine }
  | { readonly ok: false; readonly kind: LineFaultKind; readonly reason: string };

const HEX64 = /^[0-9a-f]{64}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const EVENT_KEYS = "at,event,event_hash,event_type,hash,kind,position,prev,seq,server_id,stream_id";
/** Event lines of builds before `events recover`: no `event` body; they verify, but cannot be recovered from. */
const BODILESS_EVENT_KEYS = "at,event_hash,event_type,hash,kind,position,prev,seq,server_id,stream_id";
const LIFECYCLE_KEYS = "at,details,hash,kind,prev,seq,server_id";

/** Shape check of parsed JSON; returns what is wrong, or null. */
function shapeProblem(v: Record<string, unknown>): string | null {
  const keys = Object.keys(v).sort().join(",");
  const isEvent = v["kind"] === "event";
  if (!isEvent && !(LIFECYCLE_KINDS as readonly unknown[]).includes(v["kind"])) return `unknown kind ${JSON.stringify(v["kind"])}`;
  const expected = isEvent ? keys === EVENT_KEYS || keys === BODILESS_EVENT_KEYS : keys === LIFECYCLE_KEYS;
  if (!expected) return `unexpected fields (${keys})`;
  if (!Number.isSafeInteger(v["seq"]) || (v["seq"] as number) < 1) return "seq is not a positive integer";
  if (typeof v["at"] !== "string" || !ISO_MS.test(v["at"])) return "at is not an ISO-8601 UTC time with milliseconds";
  if (typeof v["server_id"] !== "string" || v["server_id"] === "") return "server_id is missing";
  for (const k of ["prev", "hash"]) if (typeof v[k] !== "string" || !HEX64.test(v[k])) return `${k} is not 64 hex digits`;
  if (isEvent) {
    if (!Number.isSafeInteger(v["position"]) || (v["position"] as number) < 1) return "position is not a positive integer";
    if (typeof v["event_hash"] !== "string" || !HEX64.test(v["event_hash"])) return "event_hash is not 64 hex digits";
    if (typeof v["event_type"] !== "string" || typeof v["stream_id"] !== "string") return "event_type or stream_id is missing";
    if ("event" in v && (typeof v["event"] !== "object" || v["event"] === null || Array.isArray(v["event"]))) return "event is not an object";
  } else if (typeof v["details"] !== "object" || v["details"] === null || Array.isArray(v["details"])) {
    return "details is not an object";
  }
  return null;
}

/** Canonical JSON is the only accepted spelling, so a line has exactly one byte form. */
function isCanonical(line: AuditLine, text: string): boolean {
  try {
    return canonicalJson(line) === text;
  } catch {
    return false; // e.g. a fraction or an unsafe integer inside details
  }
}

/**
 * Check one line's text (without its LF) against the line before it. Order matters for the
 * diagnosis: a line whose own hash fails was edited; one that hashes but has the wrong seq means
 * lines were removed or reordered; one that is intact but does not link means the line before it
 * was rewritten (with a recomputed hash).
 */
export function checkLine(tip: ChainTip, text: string): LineCheck {
  const n = tip.seq + 1;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, kind: "parse", reason: `line ${n}: not valid JSON` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { ok: false, kind: "parse", reason: `line ${n}: not a JSON object` };
  }
  const problem = shapeProblem(parsed as Record<string, unknown>);
  if (problem) return { ok: false, kind: "parse", reason: `line ${n}: ${problem}` };
  const line = parsed as AuditLine;
  if (!isCanonical(line, text)) return { ok: false, kind: "parse", reason: `line ${n}: not in canonical JSON form` };
  const { hash, ...unsealed } = line;
  if (lineHash(unsealed) !== hash) return { ok: false, kind: "bad-hash", reason: `line ${n}: hash does not match the line's content` };
  if (line.seq !== n) {
    return { ok: false, kind: "bad-seq", reason: `line ${n}: seq is ${line.seq}, expected ${n} (a line is missing, added or out of order)` };
  }
  if (line.prev !== tip.hash) {
    const what = tip.seq === 0 ? "the genesis hash (64 zeros)" : `the hash of line ${tip.seq}`;
    return { ok: false, kind: "broken-link", reason: `line ${n}: prev does not match ${what}` };
  }
  return { ok: true, line };
}
