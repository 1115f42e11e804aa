/**
 * Event lines beyond the database's head (DESIGN §2 invariant 7, after a restore). The file only
 * ever mirrors committed events, so a line at a position the database does not have means the
 * database lost events: it was restored from an older backup. Fed a file's event lines in order.
 * The last line at or below the head must be the database's event there, or the two histories
 * have parted (restored, then written to).
 */
import type { EventStoreDialect } from "../store/dialect.js";
import type { EventsAhead } from "./errors.js";
import type { EventLine } from "./line.js";

export class BeyondHead {
  readonly headPosition: number;
  #count = 0;
  #first = 0;
  #last = 0;
  #firstLine = 0;

  constructor(headPosition: number) {
    this.headPosition = headPosition;
  }

  /** true when the line is beyond the head (and counted). */
  observe(line: EventLine): boolean {
    if (line.position <= this.headPosition) return false;
    if (this.#count === 0) {
      this.#first = line.position;
      this.#firstLine = line.seq;
    }
    this.#count += 1;
    this.#last = line.position;
    return true;
  }

  get ahead(): EventsAhead | null {
    if (this.#count === 0) return null;
    return { count: this.#count, firstPosition: this.#first, lastPosition: this.#last, firstLine: this.#firstLine, headPosition: this.headPosition };
  }
}

/** The database holds, at the line's position, the event the line mirrors (by hash). */
export async function sameEventInDatabase(store: Pick<EventStoreDialect, "readAll">, line: EventLine): Promise<boolean> {
  const [row] = await store.readAll(line.position - 1, 1);
  return row?.position === line.position && row.hash === line.event_hash;
}
