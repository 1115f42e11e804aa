/**
 * One line of a node's audit file (DESIGN §2 invariant 7): a canonical-JSON object, LF-terminated,
 * chained to the line before it. Event lines point at an event this node appended (position and
 * event hash, so `audit verify` can cross-check the database); lifecycle lines record boots,
 * shutdowns and repairs. Pure: building, serialising and checking a line does no I/O.
 */
import { canonicalJson, GENESIS_HASH, sha256Hex, type JsonValue, type StoredEvent } from "../../events/index.js";
import type { EventRow } from "../store/dialect.js";

export type LifecycleKind = "boot" | "shutdown" | "repair";
export type LineKind = "event" | LifecycleKind;
export type LifecycleDetails = Readonly<Record<string, JsonValue>>;

interface LineBase {
  /** 1-based line number in this file's chain */
  readonly seq: number;
  /** ISO-8601, ms precision, UTC */
  readonly at: string;
  readonly server_id: string;
  /** `hash` of the previous line, GENESIS_HASH for the first */
  readonly prev: string;
  /** SHA-256 hex of the canonical JSON of the line without `hash` */
  readonly hash: string;
}

export interface EventLine extends LineBase {
  readonly kind: "event";
  readonly position: number;
  readonly event_hash: string;
  readonly event_type: string;
  readonly stream_id: string;
}

export interface LifecycleLine extends LineBase {
  readonly kind: LifecycleKind;
  readonly details: LifecycleDetails;
}

export type AuditLine = EventLine | LifecycleLine;

/** What the next line links to: the last line's seq and hash. */
export interface ChainTip {
  readonly seq: number;
  readonly hash: string;
}

export const EMPTY_CHAIN: ChainTip = { seq: 0, hash: GENESIS_HASH };

/** The fields of an event that its audit line records. */
export interface AuditedEvent {
  readonly position: number;
  readonly hash: string;
  readonly type: string;
  readonly streamId: string;
  /** the event's recorded-at time, ISO ms */
  readonly at: string;
}

export const auditedFromStored = (e: StoredEvent): AuditedEvent => ({
  position: e.gp,
  hash: e.hash,
  type: e.type,
  streamId: e.sid,
  at: e.at,
});

export const auditedFromRow = (r: EventRow): AuditedEvent => ({
  position: r.position,
  hash: r.hash,
  type: r.eventType,
  streamId: r.streamId,
  at: new Date(r.recordedAt).toISOString(),
});

function lineHash(unsealed: Omit<AuditLine, "hash">): string {
  return sha256Hex(canonicalJson(unsealed));
}

/** The canonical text of lines sealed by this process, so writing one does not encode it twice. */
const sealedText = new WeakMap<AuditLine, string>();

/**
 * Seal a line whose canonical text, without `hash`, is `head + tail`: keys are sorted, so
 * "hash" sits between the fields before "kind" (head) and "kind" onwards (tail).
 */
function sealSplit<L extends AuditLine>(unsealed: Omit<L, "hash">, head: string, tail: string): L {
  const hash = sha256Hex(head + tail);
  const line = { ...unsealed, hash } as L;
  sealedText.set(line, `${head},"hash":"${hash}"${tail}`);
  return line;
}

function seal<L extends AuditLine>(unsealed: Omit<L, "hash">): L {
  const text = canonicalJson(unsealed);
  // The top-level "kind" is the last `,"kind":` of the text: string values cannot hold an
  // unescaped quote, and only `details`, which sorts before "hash", can nest objects.
  const at = text.lastIndexOf(',"kind":');
  return sealSplit<L>(unsealed, text.slice(0, at), text.slice(at));
}

/**
 * An event line's `at` is the event's own recorded time, so the database can vouch for it.
 * Written by hand in canonical key order (one line per event appended); a test holds it equal
 * to canonicalJson.
 */
export function buildEventLine(tip: ChainTip, serverId: string, event: AuditedEvent): EventLine {
  const str = JSON.stringify;
  const seq = tip.seq + 1;
  const unsealed = {
    seq,
    at: event.at,
    kind: "event",
    server_id: serverId,
    position: event.position,
    event_hash: event.hash,
    event_type: event.type,
    stream_id: event.streamId,
    prev: tip.hash,
  } as const;
  if (!Number.isSafeInteger(event.position)) throw new TypeError(`position ${event.position} is not a safe integer`);
  const head = `{"at":${str(event.at)},"event_hash":${str(event.hash)},"event_type":${str(event.type)}`;
  const tail =
    `,"kind":"event","position":${event.position},"prev":${str(tip.hash)},"seq":${seq},` +
    `"server_id":${str(serverId)},"stream_id":${str(event.streamId)}}`;
  return sealSplit<EventLine>(unsealed, head, tail);
}

export function buildLifecycleLine(
  tip: ChainTip,
  serverId: string,
  kind: LifecycleKind,
  at: Date,
  details: LifecycleDetails,
): LifecycleLine {
  return seal<LifecycleLine>({
    seq: tip.seq + 1,
    at: at.toISOString(),
    kind,
    server_id: serverId,
    details,
    prev: tip.hash,
  });
}

/** The exact bytes written for a line (canonical JSON + LF). */
export function serializeLine(line: AuditLine): string {
  return `${sealedText.get(line) ?? canonicalJson(line)}\n`;
}

export const tipOf = (line: AuditLine): ChainTip => ({ seq: line.seq, hash: line.hash });

export type LineFaultKind = "parse" | "bad-hash" | "bad-seq" | "broken-link";

export type LineCheck =
  | { readonly ok: true; readonly line: AuditLine }
  | { readonly ok: false; readonly kind: LineFaultKind; readonly reason: string };

const HEX64 = /^[0-9a-f]{64}$/;
const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const EVENT_KEYS = "at,event_hash,event_type,hash,kind,position,prev,seq,server_id,stream_id";
const LIFECYCLE_KEYS = "at,details,hash,kind,prev,seq,server_id";

/** Shape check of parsed JSON; returns what is wrong, or null. */
function shapeProblem(v: Record<string, unknown>): string | null {
  const keys = Object.keys(v).sort().join(",");
  const isEvent = v["kind"] === "event";
  if (!isEvent && !["boot", "shutdown", "repair"].includes(v["kind"] as string)) return `unknown kind ${JSON.stringify(v["kind"])}`;
  if (keys !== (isEvent ? EVENT_KEYS : LIFECYCLE_KEYS)) return `unexpected fields (${keys})`;
  if (!Number.isSafeInteger(v["seq"]) || (v["seq"] as number) < 1) return "seq is not a positive integer";
  if (typeof v["at"] !== "string" || !ISO_MS.test(v["at"])) return "at is not an ISO-8601 UTC time with milliseconds";
  if (typeof v["server_id"] !== "string" || v["server_id"] === "") return "server_id is missing";
  for (const k of ["prev", "hash"]) if (typeof v[k] !== "string" || !HEX64.test(v[k])) return `${k} is not 64 hex digits`;
  if (isEvent) {
    if (!Number.isSafeInteger(v["position"]) || (v["position"] as number) < 1) return "position is not a positive integer";
    if (typeof v["event_hash"] !== "string" || !HEX64.test(v["event_hash"])) return "event_hash is not 64 hex digits";
    if (typeof v["event_type"] !== "string" || typeof v["stream_id"] !== "string") return "event_type or stream_id is missing";
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
