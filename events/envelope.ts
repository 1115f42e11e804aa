/**
 * The envelope: what one stored event is. Its canonical JSON text is the `body` column, the
 * bytes that are hashed, and what auditors export. The indexed columns of the events table are
 * copies of envelope fields, checked against the body by `events verify`.
 */
import { canonicalJson, type JsonValue } from "./canonical.js";
import { sha256Hex } from "./sha256.js";

/** 64 hex zeros: the `prev` of position 1. */
export const GENESIS_HASH = "0".repeat(64);

/** Who and what caused an event; free of secrets (it is exported to auditors). */
export interface EventMeta {
  /** server_id of the node that appended the event. */
  readonly node: string;
  /**
   * The writer-lease epoch the node held when it appended (DESIGN §2 invariant 8), so that the
   * hash covers which tenure wrote each event. Absent from events written before the lease.
   */
  readonly epoch?: number;
  readonly requestId?: string;
  readonly actor?: string;
  readonly sourceIp?: string;
  readonly causationId?: string;
  readonly correlationId?: string;
}

/** The envelope, field names kept short because they are stored in every row and line. */
export interface Envelope {
  /** recorded at, ISO-8601 with millisecond precision, UTC */
  readonly at: string;
  readonly data: JsonValue;
  /** event id, UUIDv7 */
  readonly eid: string;
  /** global position, 1-based, gap-free */
  readonly gp: number;
  readonly meta: EventMeta;
  /** hash of the event at gp - 1 (GENESIS_HASH for gp 1) */
  readonly prev: string;
  /** stream id, `<aggregate>:<id>` */
  readonly sid: string;
  /** stream version, 1-based */
  readonly sv: number;
  readonly type: string;
  /** schema version of `data` */
  readonly v: number;
}

/** An event as read back from the log: the envelope plus its stored text and hash. */
export interface StoredEvent extends Envelope {
  readonly body: string;
  readonly hash: string;
}

/**
 * The canonical JSON of an envelope. The top-level keys are fixed, so they are written in sorted
 * order by hand and only `data` and `meta` go through the general encoder: this runs for every
 * event appended. A test holds it equal to `canonicalJson(envelope)`. `metaJson` must be
 * `canonicalJson(e.meta)`: the writer encodes a command's meta once for all of its events.
 */
export function envelopeBody(e: Envelope, metaJson: string = canonicalJson(e.meta)): string {
  const str = JSON.stringify;
  return (
    `{"at":${str(e.at)},"data":${canonicalJson(e.data)},"eid":${str(e.eid)},"gp":${safeInteger(e.gp)},` +
    `"meta":${metaJson},"prev":${str(e.prev)},"sid":${str(e.sid)},"sv":${safeInteger(e.sv)},` +
    `"type":${str(e.type)},"v":${safeInteger(e.v)}}`
  );
}

function safeInteger(n: number): string {
  if (!Number.isSafeInteger(n)) throw new TypeError(`canonical JSON allows only safe integers, got ${n}`);
  return String(n);
}

/**
 * hash = SHA-256(0x00 ‖ body): the RFC 6962 §2.1 leaf hash. The body embeds `prev`, so each
 * hash commits to the whole history before it, and the leaf form lets us add Merkle
 * checkpoints later without rehashing.
 */
export function eventHash(body: string): string {
  // "\u0000" encodes to the single byte 0x00 in UTF-8: the leaf prefix.
  return sha256Hex(`\u0000${body}`);
}

/** `metaJson` as for envelopeBody. */
export function sealEnvelope(e: Envelope, metaJson?: string): StoredEvent {
  const body = envelopeBody(e, metaJson);
  // Field by field rather than a spread: one object of a fixed shape per appended event.
  return { at: e.at, data: e.data, eid: e.eid, gp: e.gp, meta: e.meta, prev: e.prev, sid: e.sid, sv: e.sv, type: e.type, v: e.v, body, hash: eventHash(body) };
}

/** Parse a stored body back into an event; throws on text that is not an envelope. */
export function parseBody(body: string, hash: string): StoredEvent {
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== "object" || parsed === null) throw new TypeError("event body is not an object");
  const e = parsed as Envelope;
  for (const k of ["at", "eid", "prev", "sid", "type"] as const) {
    if (typeof e[k] !== "string") throw new TypeError(`event body lacks ${k}`);
  }
  for (const k of ["gp", "sv", "v"] as const) {
    if (!Number.isSafeInteger(e[k])) throw new TypeError(`event body lacks ${k}`);
  }
  return { ...e, body, hash };
}
