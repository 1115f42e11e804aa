/**
 * Where a copy of the event log comes from when it is checked or replayed: the rows of a
 * database, or the lines of an `events export` file. Both yield the same thing — a position,
 * the exact body that was hashed, and the stored hash — so one ChainVerifier walks either.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createInterface } from "node:readline";
import { canonicalJson, type JsonValue } from "../../events/index.js";
import type { EventRow, EventStoreDialect } from "./dialect.js";

export interface LoggedEvent {
  readonly position: number;
  readonly body: string;
  readonly hash: string;
  /** the database row, whose indexed columns are checked against the body */
  readonly row?: EventRow;
  /** where it was read, for messages: `line 12` of an export */
  readonly where?: string;
}

export interface LogProgress {
  readonly done: number;
  readonly total: number;
}

const BATCH = 1000;

/** Rows with position 1..`upTo`, in order, read a page at a time. */
export async function* databaseLog(db: EventStoreDialect, upTo: number): AsyncGenerator<LoggedEvent> {
  for (let after = 0; after < upTo; ) {
    const rows = await db.readAll(after, Math.min(BATCH, upTo - after));
    if (rows.length === 0) return;
    for (const row of rows) yield { position: row.position, body: row.body, hash: row.hash, row };
    after = rows[rows.length - 1]?.position ?? upTo;
  }
}

export class ExportLineError extends Error {
  override readonly name = "ExportLineError";
}

/**
 * The events of an export file. A line is the envelope plus `hash`; without `hash`, as
 * canonical JSON, it is the body that was hashed. `onBytes` reports how far into the file the
 * reader is (the file is the only measure of progress an export has).
 */
export async function* exportLog(path: string, onBytes?: (p: LogProgress) => void): AsyncGenerator<LoggedEvent> {
  const total = (await stat(path)).size;
  let done = 0;
  let lineNo = 0;
  for await (const line of createInterface({ input: createReadStream(path, "utf8"), crlfDelay: Infinity })) {
    lineNo += 1;
    done += Buffer.byteLength(line) + 1;
    onBytes?.({ done: Math.min(done, total), total });
    if (line === "") continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new ExportLineError(`line ${lineNo}: not JSON`);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new ExportLineError(`line ${lineNo}: not a JSON object`);
    const { hash, ...envelope } = parsed as Record<string, JsonValue>;
    yield {
      position: typeof envelope.gp === "number" ? envelope.gp : -1,
      body: canonicalJson(envelope),
      hash: typeof hash === "string" ? hash : "",
      where: `line ${lineNo}`,
    };
  }
}
