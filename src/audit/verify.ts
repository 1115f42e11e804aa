/**
 * `certeasy audit verify`: check a node's audit file on its own (every line parses, seq, prev
 * and hash hold, the event each line carries hashes to its event_hash) and against the database (each event line matches the stored event, and every
 * event this node appended is in the file, and the file reaches the head the database recorded
 * for the node, see head.ts; a file with events beyond the database's head means a restored
 * database, and names `events recover`). Reads only; reports the first problem by line.
 */
import { open } from "node:fs/promises";
import type { EventRow } from "../store/dialect.js";
import { ChainScanner } from "./chain.js";
import { lineDisagreesWithRow } from "./cross-check.js";
import { readRecordedHead, RecordedHeadCheck } from "./head.js";
import type { AuditStore } from "./file.js";
import type { LineFaultKind } from "./check-line.js";
import type { EventLine } from "./line.js";
import { readRawLines } from "./read-lines.js";
import { BeyondHead } from "./beyond-head.js";
import { eventsAheadReason } from "./errors.js";
import { lineEvent } from "./line-event.js";

export type AuditFaultKind =
  | LineFaultKind
  | "torn-tail"
  | "truncated"
  | "foreign-server"
  | "db-mismatch"
  | "missing-event"
  | "bad-body"
  | "ahead-of-database";

export type AuditVerification =
  | {
      readonly ok: true;
      readonly lines: number;
      readonly events: number;
      /** event lines written before lines carried the event: they verify, `events recover` cannot use them */
      readonly bodiless: number;
      readonly serverId: string | null;
    }
  | { readonly ok: false; readonly line: number; readonly kind: AuditFaultKind; readonly reason: string };

export interface VerifyAuditOptions {
  readonly path: string;
  /** the node the file belongs to; defaults to the server_id of its first line */
  readonly serverId?: string;
  readonly store: AuditStore;
  /** rows per database read (default 500) */
  readonly batchSize?: number;
  /**
   * Hold the file to the head recorded in `servers` (default true). false only for a database
   * whose pending migrations may not have added those columns yet (the pre-upgrade probe).
   */
  readonly recordedHead?: boolean;
}

type Fault = Extract<AuditVerification, { ok: false }>;

export async function verifyAudit(options: VerifyAuditOptions): Promise<AuditVerification> {
  const { path, store } = options;
  const batchSize = options.batchSize ?? 500;
  let serverId = options.serverId ?? null;
  const withHead = options.recordedHead ?? true;
  let node: NodeChecks | null = serverId === null ? null : await nodeChecks(store, serverId, batchSize, withHead);
  let eventLines = 0;
  let bodiless = 0;
  let lastPosition = 0;
  const scanner = new ChainScanner();
  const beyond = new BeyondHead((await store.head()).position);
  const handle = await open(path, "r");
  try {
    for await (const raw of readRawLines(handle)) {
      const line = scanner.push(raw.text, raw.bytes, raw.terminated);
      if (scanner.tampered) return { ok: false, ...scanner.tampered };
      if (!line) continue;
      serverId ??= line.server_id;
      node ??= await nodeChecks(store, serverId, batchSize, withHead);
      node.head?.observe(line);
      if (line.server_id !== serverId) {
        return fault(line.seq, "foreign-server", `line ${line.seq}: written by server ${line.server_id}, but the file belongs to ${serverId}`);
      }
      if (line.kind !== "event") continue;
      if (line.position <= lastPosition) {
        return fault(line.seq, "bad-seq", `line ${line.seq}: position ${line.position} does not come after position ${lastPosition}; event lines follow the log order`);
      }
      const carried = lineEvent(line);
      if (!carried.ok && carried.kind === "bad-body") return fault(line.seq, "bad-body", carried.reason);
      if (!carried.ok) bodiless += 1;
      lastPosition = line.position;
      eventLines += 1;
      // Beyond the database's head: reported once the whole file is read, with all of them.
      if (beyond.observe(line)) continue;
      const problem = await checkEventLine(line, node.events, store, serverId);
      if (problem) return problem;
    }
  } finally {
    await handle.close();
  }
  const scan = scanner.finish();
  if (!scan.ok) return { ok: false, ...scan.fault };
  // Before the torn tail: a last piece that looks torn, at or before the recorded head, was cut.
  const cut = node?.head?.fault(scan.tip);
  if (cut) return { ok: false, ...cut };
  if (scan.tornTail) {
    return fault(scan.tornTail.line, "torn-tail", `${scan.tornTail.reason}; the next boot cuts it and re-mirrors from the database`);
  }
  const ahead = beyond.ahead;
  if (ahead) return fault(ahead.firstLine, "ahead-of-database", eventsAheadReason(path, ahead));
  const missing = await node?.events.peek();
  if (missing) return missingEvent(scan.tip.seq + 1, missing, serverId ?? "");
  return { ok: true, lines: scan.tip.seq, events: eventLines, bodiless, serverId };
}

async function checkEventLine(line: EventLine, events: NodeEvents, store: AuditStore, serverId: string): Promise<Fault | null> {
  const next = await events.peek();
  if (next && next.position < line.position) return missingEvent(line.seq, next, serverId);
  if (next && next.position === line.position) {
    events.advance();
    const problem = lineDisagreesWithRow(line, next, serverId);
    return problem ? fault(line.seq, "db-mismatch", problem) : null;
  }
  // Not among this node's events: say what the database holds there instead.
  const [row] = await store.readAll(line.position - 1, 1);
  if (!row || row.position !== line.position) {
    return fault(line.seq, "db-mismatch", `line ${line.seq}: the database has no event at position ${line.position}`);
  }
  return fault(line.seq, "db-mismatch", lineDisagreesWithRow(line, row, serverId) ?? `line ${line.seq}: position ${line.position} does not match the database`);
}

/** What the file of one node is checked against: its events, and its recorded head if any. */
interface NodeChecks {
  readonly events: NodeEvents;
  readonly head: RecordedHeadCheck | null;
}

async function nodeChecks(store: AuditStore, serverId: string, batchSize: number, withHead: boolean): Promise<NodeChecks> {
  const recorded = withHead ? await readRecordedHead(store, serverId) : null;
  return { events: new NodeEvents(store, serverId, batchSize), head: recorded ? new RecordedHeadCheck(recorded) : null };
}

function fault(line: number, kind: AuditFaultKind, reason: string): Fault {
  return { ok: false, line, kind, reason };
}

function missingEvent(line: number, row: EventRow, serverId: string): Fault {
  return fault(
    line,
    "missing-event",
    `line ${line}: the database holds event ${row.position} (${row.eventType}) appended by server ${serverId}, but the audit file does not mirror it`,
  );
}

/** This node's events in position order, read in batches: the sequence the event lines must match. */
class NodeEvents {
  readonly #store: AuditStore;
  readonly #serverId: string;
  readonly #batchSize: number;
  #buffer: readonly EventRow[] = [];
  #index = 0;
  #after = 0;
  #exhausted = false;

  constructor(store: AuditStore, serverId: string, batchSize: number) {
    this.#store = store;
    this.#serverId = serverId;
    this.#batchSize = batchSize;
  }

  async peek(): Promise<EventRow | null> {
    if (this.#index >= this.#buffer.length && !this.#exhausted) {
      this.#buffer = await this.#store.readByServer(this.#serverId, this.#after, this.#batchSize);
      this.#index = 0;
      const last = this.#buffer.at(-1);
      if (last) this.#after = last.position;
      if (this.#buffer.length < this.#batchSize) this.#exhausted = true;
    }
    return this.#buffer[this.#index] ?? null;
  }

  advance(): void {
    this.#index += 1;
  }
}
