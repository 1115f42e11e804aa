/** Why a node's audit file cannot be opened or written; each names the file. */
import type { LineFault } from "./chain.js";
import type { TruncationFault } from "./head.js";

/**
 * A line other than the last is bad, or the file ends before the head the database recorded:
 * that cannot come from a crash (the file is only ever appended to, and the head is recorded
 * only once its line is synced), so the file was edited. The node refuses to start; nothing is
 * repaired.
 */
export class AuditTampered extends Error {
  override readonly name = "AuditTampered";
  constructor(
    readonly path: string,
    readonly fault: LineFault | TruncationFault,
  ) {
    super(`audit file ${path} has been altered: ${fault.reason} (${fault.kind}); refusing to start — run \`certeasy audit verify\` and investigate before moving the file aside`);
  }

  get line(): number {
    return this.fault.line;
  }
}

/**
 * The file's last line was written by another node: two nodes share a workdir, or a workdir was
 * copied between hosts. Appending would splice two histories into one chain.
 */
export class AuditForeignServer extends Error {
  override readonly name = "AuditForeignServer";
  constructor(
    readonly path: string,
    readonly fileServerId: string,
    readonly serverId: string,
  ) {
    super(
      `audit file ${path} was last written by server ${fileServerId} but this node is ${serverId}; each node needs its own workdir (see the deployment topology docs, "Node identity")`,
    );
  }
}

/** The mirror was closed, or stopped after a failed write (the file may hold a partial line). */
export class AuditMirrorStopped extends Error {
  override readonly name = "AuditMirrorStopped";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The writer handed the mirror an event another node appended: a wiring bug, refused before writing. */
export class AuditEventNotOwned extends Error {
  override readonly name = "AuditEventNotOwned";
  constructor(position: number, node: string, serverId: string) {
    super(`event at position ${position} was appended by server ${node}; the audit file of ${serverId} only mirrors its own events`);
  }
}

/** Event lines of a file that the database lacks: positions beyond its head. */
export interface EventsAhead {
  /** how many event lines of the file are beyond the database head */
  readonly count: number;
  readonly firstPosition: number;
  readonly lastPosition: number;
  /** the file line of the first of them */
  readonly firstLine: number;
  /** the database head position they are beyond */
  readonly headPosition: number;
}

/** One sentence naming what the database lacks and what to run: boot, verify and the probe all say it. */
export function eventsAheadReason(path: string, ahead: EventsAhead): string {
  const positions = ahead.count === 1 ? `position ${ahead.firstPosition}` : `${ahead.count} events at positions ${ahead.firstPosition}–${ahead.lastPosition}`;
  return (
    `audit file ${path} mirrors ${positions} (from line ${ahead.firstLine}) that the database does not have: its log ends at position ${ahead.headPosition}. ` +
    `The database was restored from an older backup (or is not this node's database). ` +
    `With every node stopped, put the missing events back: \`certeasy events recover --from-audit ${path} [the other nodes' audit files] -f <config.yml>\``
  );
}

/**
 * The node's audit file holds events the database does not: the database was restored from an
 * older backup. Starting would append new events at positions the file already uses and fork the
 * history for good, so the node refuses and names `events recover`.
 */
export class AuditAheadOfDatabase extends Error {
  override readonly name = "AuditAheadOfDatabase";
  constructor(
    readonly path: string,
    readonly ahead: EventsAhead,
  ) {
    super(`${eventsAheadReason(path, ahead)}; refusing to start`);
  }
}

/**
 * The last event the file mirrors is in the database but is a different event: the database was
 * restored and written to since (or belongs to another installation). The file's later history
 * cannot be put back on top of it.
 */
export class AuditDivergedFromDatabase extends Error {
  override readonly name = "AuditDivergedFromDatabase";
  constructor(
    readonly path: string,
    readonly line: number,
    readonly position: number,
  ) {
    super(
      `audit file ${path} line ${line} mirrors an event at position ${position}, but the database holds a different event there: ` +
        `the database was restored from an older backup and events were appended since, or it is not this node's database. ` +
        `Refusing to start; restore the database again and run \`certeasy events recover --from-audit\` before any node starts, or move the file aside to start a new chain`,
    );
  }
}
