/**
 * `events verify` over a whole database or export file: every event through one ChainVerifier,
 * then, for a database, the head row against the last event (a head that runs ahead of the
 * rows means events were removed from the end). A database is walked up to the head read at
 * the start, so a server appending meanwhile does not make the check fail. `accept` receives
 * each event once it has passed, which is how a replay imports only verified events.
 */
import { parseBody, type StoredEvent } from "../../events/index.js";
import type { EventStoreDialect } from "./dialect.js";
import { databaseLog, exportLog, ExportLineError, type LoggedEvent, type LogProgress } from "./log-source.js";
import { ChainVerifier, type ChainFault } from "./verify-chain.js";

export interface WalkOptions {
  readonly onProgress?: (p: LogProgress) => void;
  readonly accept?: (event: StoredEvent) => void;
}

/** Feed events to the verifier; the first fault, or null. */
export async function verifyEvents(
  events: AsyncIterable<LoggedEvent>,
  verifier: ChainVerifier,
  accept?: (event: StoredEvent) => void,
): Promise<ChainFault | null> {
  try {
    for await (const event of events) {
      const fault = verifier.check(event.position, event.body, event.hash, event.row);
      if (fault) return event.where ? { position: fault.position, reason: `${event.where}: ${fault.reason}` } : fault;
      accept?.(parseBody(event.body, event.hash));
    }
  } catch (error) {
    if (error instanceof ExportLineError) return { position: verifier.count + 1, reason: error.message };
    throw error;
  }
  return null;
}

export async function verifyDatabaseLog(db: EventStoreDialect, verifier: ChainVerifier, options: WalkOptions = {}): Promise<ChainFault | null> {
  const head = await db.head();
  const events = reportingPositions(databaseLog(db, head.position), head.position, options.onProgress);
  const fault = await verifyEvents(events, verifier, options.accept);
  if (fault) return fault;
  if (head.position !== verifier.count || head.hash !== verifier.lastHash) {
    return {
      position: head.position,
      reason: `the log head says position ${head.position}, but the events end at ${verifier.count} (or their last hash differs)`,
    };
  }
  return null;
}

export async function verifyExportFile(path: string, verifier: ChainVerifier, options: WalkOptions = {}): Promise<ChainFault | null> {
  return verifyEvents(exportLog(path, options.onProgress), verifier, options.accept);
}

/** Pass events through, reporting each one's position against the head read at the start. */
async function* reportingPositions(
  events: AsyncIterable<LoggedEvent>,
  total: number,
  onProgress?: (p: LogProgress) => void,
): AsyncGenerator<LoggedEvent> {
  for await (const event of events) {
    yield event;
    onProgress?.({ done: Math.min(event.position, total), total });
  }
}
