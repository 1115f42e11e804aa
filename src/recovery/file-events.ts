/**
 * What one audit file offers a recovery: its chain checked from the first line (a tampered file
 * offers nothing), and the events it carries beyond the database's head. A torn last line is a
 * crash artefact: the good lines before it are used and the tear is reported. Lines of builds
 * before audit lines carried events verify but cannot be put back; one beyond the head refuses
 * the recovery, since its event exists nowhere else.
 */
import { open } from "node:fs/promises";
import type { StoredEvent } from "../../events/index.js";
import { sameEventInDatabase } from "../audit/beyond-head.js";
import { ChainScanner, type TornTail } from "../audit/chain.js";
import type { EventLine } from "../audit/line.js";
import { lineEvent } from "../audit/line-event.js";
import { readRawLines } from "../audit/read-lines.js";
import type { EventStoreDialect, LogHead } from "../store/dialect.js";
import { RecoveryRefused } from "./errors.js";

export interface CarriedEvent {
  /** the file line that carries it */
  readonly line: number;
  readonly event: StoredEvent;
}

export interface FileEvents {
  readonly path: string;
  /** the node that wrote the file, null for an empty file */
  readonly serverId: string | null;
  /** intact lines */
  readonly lines: number;
  /** the events the file carries beyond the database head, in position order */
  readonly beyond: readonly CarriedEvent[];
  readonly tornTail: TornTail | null;
}

export async function readFileEvents(path: string, head: LogHead, store: Pick<EventStoreDialect, "readAll">): Promise<FileEvents> {
  const handle = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
    throw new RecoveryRefused(`cannot read audit file ${path}: ${error.code === "ENOENT" ? "it does not exist" : error.message}`);
  });
  const scanner = new ChainScanner();
  const beyond: CarriedEvent[] = [];
  let serverId: string | null = null;
  let lastPosition = 0;
  let lastAtOrBelowHead: EventLine | null = null;
  try {
    for await (const raw of readRawLines(handle)) {
      const line = scanner.push(raw.text, raw.bytes, raw.terminated);
      if (scanner.tampered) throw new RecoveryRefused(`audit file ${path} has been altered: ${scanner.tampered.reason}; nothing recovered`);
      if (!line) continue;
      serverId ??= line.server_id;
      if (line.server_id !== serverId) {
        throw new RecoveryRefused(`audit file ${path}: line ${line.seq} was written by server ${line.server_id}, but the file belongs to ${serverId}; nothing recovered`);
      }
      if (line.kind !== "event") continue;
      if (line.position <= lastPosition) {
        throw new RecoveryRefused(`audit file ${path}: line ${line.seq} has position ${line.position}, which does not come after position ${lastPosition}; nothing recovered`);
      }
      lastPosition = line.position;
      if (line.position <= head.position) {
        lastAtOrBelowHead = line;
        continue;
      }
      const carried = lineEvent(line);
      if (!carried.ok && carried.kind === "no-body") {
        throw new RecoveryRefused(
          `audit file ${path}: ${carried.reason}, so event ${line.position}, which the database lacks, cannot be put back from it; nothing recovered`,
        );
      }
      if (!carried.ok) throw new RecoveryRefused(`audit file ${path}: ${carried.reason}; nothing recovered`);
      beyond.push({ line: line.seq, event: carried.event });
    }
  } finally {
    await handle.close();
  }
  const scan = scanner.finish();
  if (!scan.ok) throw new RecoveryRefused(`audit file ${path} has been altered: ${scan.fault.reason}; nothing recovered`);
  // The file and the database must share the history up to the head, or the file's later
  // events belong to another history and cannot continue this one.
  if (lastAtOrBelowHead && !(await sameEventInDatabase(store, lastAtOrBelowHead))) {
    throw new RecoveryRefused(
      `audit file ${path}: line ${lastAtOrBelowHead.seq} mirrors an event at position ${lastAtOrBelowHead.position}, but the database holds a different event there: ` +
        `the file is not from this database's history (or the database was written to after the restore); nothing recovered`,
    );
  }
  return { path, serverId, lines: scan.tip.seq, beyond, tornTail: scan.tornTail };
}
