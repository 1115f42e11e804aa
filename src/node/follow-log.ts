/**
 * Feed the in-memory projections of a node that does not write (a warm standby) from the stored
 * log: read every event past the last one they applied, in position order, and push it to the
 * stream they follow. The log-position projection checks each position and hash link, so a gap
 * fails the projections (and readiness) rather than going unnoticed.
 */
import type { Subject } from "rxjs";
import { logPositionProjection } from "../../projections/index.js";
import type { StoredEvent } from "../../events/index.js";
import type { LiveProjections } from "../projection/live.js";
import type { EventStoreDialect } from "../store/dialect.js";
import { toStoredEvent } from "../store/rows.js";

/** Reads until the head; returns how many events were applied. */
export async function followLog(
  dialect: Pick<EventStoreDialect, "readAll">,
  live: LiveProjections,
  feed: Subject<StoredEvent>,
  batchSize = 1000,
): Promise<number> {
  let applied = 0;
  for (;;) {
    const failure = live.failure();
    if (failure) throw failure;
    const after = live.state(logPositionProjection).position;
    const rows = await dialect.readAll(after, batchSize);
    if (rows.length === 0) return applied;
    for (const row of rows) feed.next(toStoredEvent(row));
    applied += rows.length;
    // A projection that failed on this batch stops advancing: do not spin on the same rows.
    if (live.state(logPositionProjection).position === after) {
      throw live.failure() ?? new Error(`the projections did not advance past position ${after}`);
    }
  }
}
