/**
 * Holding an audit file to the head the database recorded for its node (DESIGN §2 invariant 7).
 * The chain proves every line links to the one before, but not that the file still ends where
 * it did: deleting trailing lines leaves a valid shorter chain, and when they are lifecycle lines
 * (shutdown, boot) no event is missing either. The node records its head (line count, last
 * hash) in `servers` at every heartbeat and at a clean stop, always after the line is synced, so
 * the recorded head is never ahead of what the file durably held: the file may be longer than
 * recorded (lines written since the last heartbeat), never shorter.
 */
import type { AuditHead, EventStoreDialect } from "../store/dialect.js";
import type { AuditLine, ChainTip } from "./line.js";

export interface TruncationFault {
  /** the first line that should be there and is not, or the recorded head line that differs */
  readonly line: number;
  readonly kind: "truncated";
  readonly reason: string;
}

/** The head recorded for a node, or null when none was (new node, audit disabled, before this migration's first heartbeat). */
export async function readRecordedHead(store: Pick<EventStoreDialect, "listServers">, serverId: string): Promise<AuditHead | null> {
  const row = (await store.listServers()).find((s) => s.serverId === serverId);
  if (!row || row.auditLines === null || row.auditHeadHash === null || row.auditLines === 0) return null;
  return { lines: row.auditLines, hash: row.auditHeadHash };
}

/** Fed the good lines of a file in order, then asked whether the file still reaches the recorded head. */
export class RecordedHeadCheck {
  readonly recorded: AuditHead;
  #hashAtHead: string | null = null;

  constructor(recorded: AuditHead) {
    this.recorded = recorded;
  }

  observe(line: AuditLine): void {
    if (line.seq === this.recorded.lines) this.#hashAtHead = line.hash;
  }

  /** `tip`: the last good line of the file (a torn tail after it does not count). */
  fault(tip: ChainTip): TruncationFault | null {
    const { lines, hash } = this.recorded;
    if (tip.seq < lines) {
      return {
        line: tip.seq + 1,
        kind: "truncated",
        reason:
          `the database recorded this node's audit file at ${lines} lines (last heartbeat or clean stop), ` +
          `but only ${tip.seq} intact line(s) remain: the file was cut after line ${tip.seq} ` +
          `(or the file was restored from a copy older than the database)`,
      };
    }
    if (this.#hashAtHead !== hash) {
      return {
        line: lines,
        kind: "truncated",
        reason:
          `line ${lines} is not the line the database recorded as the head of this node's audit file: ` +
          `the file was cut and written again, or replaced (by a copy from another time than the database's)`,
      };
    }
    return null;
  }
}
