/**
 * When a health probe becomes an event: only when the authority's state differs from the last
 * one recorded in its stream, so the log holds transitions, not a sample every minute. An
 * authority with nothing recorded is healthy (as routing assumes before the first probe): a
 * boot against healthy CAs adds no event, the first one says when a CA first went down. The detail of two probes in the same state may differ (ping times); it
 * is recorded with the transition only.
 */
import { AuthorityHealthChanged, type CerteasyEvent, type PendingEvent } from "../../../events/index.js";

export interface HealthProbeResult {
  readonly healthy: boolean;
  readonly detail: string;
}

/** The state the stream last recorded, null when it has none. */
export const recordedHealth = (events: readonly CerteasyEvent[]): boolean | null =>
  events.reduce<boolean | null>((state, event) => (event.type === "authority.health-changed" ? event.data.healthy : state), null);

export function healthChange(authority: string, recorded: boolean | null, probe: HealthProbeResult): PendingEvent | null {
  if ((recorded ?? true) === probe.healthy) return null;
  const detail = probe.detail.length <= 1024 ? probe.detail : `${probe.detail.slice(0, 1023)}…`;
  return AuthorityHealthChanged.create({ authority, healthy: probe.healthy, detail });
}
