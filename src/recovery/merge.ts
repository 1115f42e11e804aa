/**
 * Merging what the nodes' audit files carry beyond the database head into one run of events
 * that continues the database (pure). Each node's file holds only its own events, so positions
 * interleave across files; a position in two files (the same file given twice, or a copy) must
 * be the very same event. Every position from head+1 to the highest must be present — a gap
 * means a file is missing, and putting back only the part before it would hide that — and the
 * hash chain must run on from the database's head.
 */
import type { StoredEvent } from "../../events/index.js";
import type { LogHead } from "../store/dialect.js";
import { RecoveryRefused } from "./errors.js";
import type { FileEvents } from "./file-events.js";
import { missingPositions, positionRanges } from "./ranges.js";

export interface FileContribution {
  readonly path: string;
  readonly serverId: string | null;
  /** events of this file beyond the head (duplicates included) */
  readonly events: number;
  /** their positions, as ranges */
  readonly positions: string;
}

export interface RecoveryPlan {
  /** position order, head+1 onwards, no gap */
  readonly events: readonly StoredEvent[];
  readonly files: readonly FileContribution[];
  /** events found in more than one file (identical) */
  readonly duplicates: number;
}

export function mergeFileEvents(head: LogHead, files: readonly FileEvents[]): RecoveryPlan {
  const byPosition = new Map<number, { event: StoredEvent; path: string; line: number }>();
  let duplicates = 0;
  for (const file of files) {
    for (const { line, event } of file.beyond) {
      const seen = byPosition.get(event.gp);
      if (!seen) {
        byPosition.set(event.gp, { event, path: file.path, line });
        continue;
      }
      if (seen.event.hash !== event.hash || seen.event.body !== event.body) {
        throw new RecoveryRefused(
          `position ${event.gp} is a different event in ${seen.path} (line ${seen.line}) and in ${file.path} (line ${line}): the files are not from one history; nothing recovered`,
        );
      }
      duplicates += 1;
    }
  }
  const contributions = files.map((f) => ({
    path: f.path,
    serverId: f.serverId,
    events: f.beyond.length,
    positions: f.beyond.length === 0 ? "-" : positionRanges(f.beyond.map((c) => c.event.gp)),
  }));
  if (byPosition.size === 0) return { events: [], files: contributions, duplicates };

  const last = Math.max(...byPosition.keys());
  const missing = missingPositions(head.position + 1, last, new Set(byPosition.keys()));
  if (missing.length > 0) {
    throw new RecoveryRefused(
      `the audit files carry events up to position ${last}, but not position(s) ${positionRanges(missing)} (the database ends at ${head.position}): ` +
        `those were written by a node whose audit file was not given; add every node's audit file; nothing recovered`,
    );
  }
  const events: StoredEvent[] = [];
  let prev = head;
  for (let position = head.position + 1; position <= last; position++) {
    const found = byPosition.get(position);
    if (!found) throw new RecoveryRefused(`position ${position} is missing; nothing recovered`); // excluded above
    if (found.event.prev !== prev.hash) {
      const whose = prev.position === head.position ? `the database's head (position ${head.position})` : `position ${prev.position} in the audit files`;
      throw new RecoveryRefused(
        `position ${position} in ${found.path} (line ${found.line}) does not continue the hash chain: its prev is ${found.event.prev}, but ${whose} has hash ${prev.hash}; nothing recovered`,
      );
    }
    events.push(found.event);
    prev = { position, hash: found.event.hash };
  }
  return { events, files: contributions, duplicates };
}
