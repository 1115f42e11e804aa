/**
 * The event catalogue: every event type Certeasy writes, and the one place that turns a
 * stored event back into typed domain data (upcasting old schema versions on the way).
 */
import type { JsonValue } from "./canonical.js";
import { isDataParsedByCreate, isParsedPendingEvent, type DomainEventOf, type EventType, type PendingEvent } from "./define.js";
import type { StoredEvent } from "./envelope.js";
import { accountEvents } from "./account.js";
import { authorityEvents } from "./authority.js";
import { eabEvents } from "./eab.js";
import { licenseEvents } from "./license.js";
import { nodeEvents } from "./node.js";
import { orderEvents } from "./order.js";
import { rateLimitEvents } from "./ratelimit.js";
import { revocationEvents } from "./revocation.js";

export * from "./account.js";
export * from "./authority.js";
export * from "./canonical.js";
export * from "./define.js";
export * from "./eab.js";
export * from "./envelope.js";
export * from "./license.js";
export * from "./node.js";
export * from "./order.js";
export * from "./ratelimit.js";
export * from "./revocation.js";
export * from "./sha256.js";

export const catalogue = [...nodeEvents, ...accountEvents, ...orderEvents, ...eabEvents, ...rateLimitEvents, ...revocationEvents, ...authorityEvents, ...licenseEvents] as const;

export type CatalogueEntry = (typeof catalogue)[number];
export type CerteasyEvent = DomainEventOf<CatalogueEntry>;
export type CerteasyEventType = CerteasyEvent["type"];

const byType = new Map<string, EventType<string, JsonValue>>(
  catalogue.map((e) => [e.type, e as unknown as EventType<string, JsonValue>]),
);

export class UnknownEventError extends Error {
  override readonly name = "UnknownEventError";
}

export function isKnownEventType(type: string): type is CerteasyEventType {
  return byType.has(type);
}

/** Upcast `data` stored at version `v` to the current version of `type`, then validate it. */
export function upcast(type: string, v: number, data: JsonValue): CerteasyEvent {
  const def = byType.get(type);
  if (!def) throw new UnknownEventError(`unknown event type ${type}`);
  if (!Number.isInteger(v) || v < 1 || v > def.version) {
    throw new UnknownEventError(`event ${type} has schema version ${v}; this build knows up to ${def.version}`);
  }
  // Written by this process at the current version: `create` already parsed this very object.
  if (v === def.version && isDataParsedByCreate(data)) return { type, data } as CerteasyEvent;
  let current = data;
  for (let from = v; from < def.version; from++) {
    const lift = def.upcasters[from];
    if (!lift) throw new UnknownEventError(`no upcaster for ${type} v${from}`);
    current = lift(current);
  }
  return { type, data: def.schema.parse(current) } as CerteasyEvent;
}

export function decodeEvent(event: StoredEvent): CerteasyEvent {
  return upcast(event.type, event.v, event.data);
}

/** Validate a pending event against the catalogue before it reaches the writer. */
export function assertPendingEvent(e: PendingEvent<string, JsonValue>): void {
  if (isParsedPendingEvent(e)) return;
  const def = byType.get(e.type);
  if (!def) throw new UnknownEventError(`unknown event type ${e.type}`);
  if (e.v !== def.version) throw new UnknownEventError(`event ${e.type} must be written at v${def.version}, not v${e.v}`);
  def.schema.parse(e.data);
}
