/**
 * One line of a node's audit file (DESIGN §2 invariant 7): a canonical-JSON object, LF-terminated,
 * chained to the line before it. Event lines point at an event this node appended (position and
 * event hash, so `audit verify` can cross-check the database) and carry the whole stored event
 * (`event`: the envelope whose canonical JSON is the row's body), so that events lost with a
 * database restored from an older backup can be put back from the file (`events recover`).
 * Lines written before that carry no `event`: they still verify, but cannot be recovered from.
 * Lifecycle lines record boots, shutdowns, repairs and lease takeovers. Pure: building,
 * serialising and checking a line does no I/O.
 */
import { canonicalJson, GENESIS_HASH, sha256Hex, type Envelope, type JsonValue, type StoredEvent } from "../../events/index.js";
import type { EventRow } from "../store/dialect.js";

/**
 * `takeover`: this node took the writer lease from another (--force-takeover, or a standby taking
 * an expired lease: `details.via` says which). `lease-lost`: another node took this node's lease;
 * it appends nothing more (its event cannot reach the log, hence a line here only).
 */
export const LIFECYCLE_KINDS = ["boot", "shutdown", "repair", "takeover", "lease-lost"] as const;
export type LifecycleKind = (typeof LIFECYCLE_KINDS)[number];
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
  /**
   * The stored event itself: canonicalJson(event) is the exact body that was hashed into
   * event_hash. Absent from lines written by builds before `events recover` existed.
   */
  readonly event?: Envelope;
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
  /** the stored body: the envelope's canonical JSON, hashed into `hash` */
  readonly body: string;
}

export const auditedFromStored = (e: StoredEvent): AuditedEvent => ({
  position: e.gp,
  hash: e.hash,
  type: e.type,
  streamId: e.sid,
  at: e.at,
  body: e.body,
});

export const auditedFromRow = (r: EventRow): AuditedEvent => ({
  position: r.position,
  hash: r.hash,
  type: r.eventType,
  streamId: r.streamId,
  at: new Date(r.recordedAt).toISOString(),
  body: r.body,
});

/** SHA-256 hex of the canonical JSON of a line without its `hash`. */
export function lineHash(unsealed: Omit<AuditLine, "hash">): string {
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

/** A line as the mirror writes it: its exact bytes (LF included) and the tip it leaves. */
export interface SealedLine {
  readonly text: string;
  readonly tip: ChainTip;
}

/**
 * An event line's `at` is the event's own recorded time, so the database can vouch for it.
 * Written by hand in canonical key order (one line per event appended); a test holds it equal
 * to canonicalJson. The body is already canonical JSON (envelopeBody), so it is spliced in as
 * the `event` object as it is: no parse and no re-encoding on the write path, and
 * canonicalJson(line.event) gives the body back byte for byte. The mirror needs only the text
 * and the new tip, so no line object is built for it.
 */
export function sealEventLine(tip: ChainTip, serverId: string, event: AuditedEvent): SealedLine {
  const str = JSON.stringify;
  const seq = tip.seq + 1;
  if (!Number.isSafeInteger(event.position)) throw new TypeError(`position ${event.position} is not a safe integer`);
  const head = `{"at":${str(event.at)},"event":${event.body},"event_hash":${str(event.hash)},"event_type":${str(event.type)}`;
  const tail =
    `,"kind":"event","position":${event.position},"prev":${str(tip.hash)},"seq":${seq},` +
    `"server_id":${str(serverId)},"stream_id":${str(event.streamId)}}`;
  const hash = sha256Hex(head + tail);
  return { text: `${head},"hash":"${hash}"${tail}\n`, tip: { seq, hash } };
}

/** The same line as an object (tests, tools): `event` is parsed only when read. */
export function buildEventLine(tip: ChainTip, serverId: string, event: AuditedEvent): EventLine {
  const sealed = sealEventLine(tip, serverId, event);
  const line: EventLine = {
    seq: sealed.tip.seq,
    at: event.at,
    kind: "event",
    server_id: serverId,
    position: event.position,
    event_hash: event.hash,
    event_type: event.type,
    stream_id: event.streamId,
    prev: tip.hash,
    hash: sealed.tip.hash,
  };
  withLazyEvent(line, event.body);
  sealedText.set(line, sealed.text.slice(0, -1));
  return line;
}

/**
 * `event` as an enumerable property parsed on first read: the writer never reads it (it only
 * serialises the sealed text), while spreads, canonicalJson and tests see an ordinary field.
 */
function withLazyEvent(line: object, body: string): void {
  let parsed: Envelope | undefined;
  Object.defineProperty(line, "event", {
    enumerable: true,
    get: () => (parsed ??= JSON.parse(body) as Envelope),
  });
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
