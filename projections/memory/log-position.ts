/**
 * The position and hash of the last event this node has seen: what `/readyz` compares with the
 * log head, and the link each new event must continue. A gap or a broken link here means the
 * stream fed to the in-memory projections is corrupt, so it throws rather than carry on.
 */
import { GENESIS_HASH } from "../../events/index.js";
import type { MemoryProjection } from "./memory-projection.js";

export interface LogPosition {
  readonly position: number;
  readonly hash: string;
  readonly events: number;
}

export class LogGapError extends Error {
  override readonly name = "LogGapError";
}

export const logPositionProjection: MemoryProjection<LogPosition> = {
  name: "log-position",
  initial: { position: 0, hash: GENESIS_HASH, events: 0 },
  evolve(state, event) {
    if (event.gp !== state.position + 1) {
      throw new LogGapError(`expected event at position ${state.position + 1}, got ${event.gp}`);
    }
    if (event.prev !== state.hash) {
      throw new LogGapError(`event ${event.gp} does not link to the hash of event ${state.position}`);
    }
    return { position: event.gp, hash: event.hash, events: state.events + 1 };
  },
};
