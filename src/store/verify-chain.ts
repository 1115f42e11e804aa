/**
 * Walks the event log in position order and names the first event that breaks it (DESIGN §2
 * invariants 3 and 5): a gap, a body that no longer hashes to its stored hash, a broken `prev`
 * link, or an indexed column that disagrees with the body it was copied from. Pure: the
 * caller feeds rows from the database or lines from an export.
 */
import { eventHash, GENESIS_HASH, parseBody, type StoredEvent } from "../../events/index.js";
import type { EventRow } from "./dialect.js";
import { toEventRow } from "./rows.js";

export interface ChainFault {
  readonly position: number;
  readonly reason: string;
}

export class ChainVerifier {
  #next = 1;
  #prev = GENESIS_HASH;

  /** events checked so far */
  get count(): number {
    return this.#next - 1;
  }

  get lastHash(): string {
    return this.#prev;
  }

  /** Check the next event's stored body and hash; `row` adds the indexed columns to compare. */
  check(position: number, body: string, hash: string, row?: EventRow): ChainFault | null {
    const at = (reason: string): ChainFault => ({ position, reason: `position ${position}: ${reason}` });
    // A deleted row is a hole: name the missing position, the first one that no longer holds.
    if (position > this.#next) {
      return { position: this.#next, reason: `position ${this.#next}: missing (the log jumps from ${this.#next - 1} to ${position}; an event was removed)` };
    }
    if (position !== this.#next) return at(`expected position ${this.#next} (a reordered log)`);
    if (eventHash(body) !== hash) return at("the body does not hash to the stored hash (the body or hash was altered)");
    let event: StoredEvent;
    try {
      event = parseBody(body, hash);
    } catch (error) {
      return at(`the body is not an event envelope (${error instanceof Error ? error.message : String(error)})`);
    }
    if (event.gp !== position) return at(`the body says position ${event.gp}`);
    if (event.prev !== this.#prev) return at(`prev does not link to the hash of position ${position - 1}`);
    const column = row ? columnMismatch(row, event) : null;
    if (column) return at(`column ${column} disagrees with the body`);
    this.#next += 1;
    this.#prev = hash;
    return null;
  }
}

function columnMismatch(row: EventRow, event: StoredEvent): string | null {
  const expected = toEventRow(event);
  const columns = Object.keys(expected) as (keyof EventRow)[];
  return columns.find((column) => expected[column] !== row[column]) ?? null;
}
