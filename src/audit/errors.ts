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
