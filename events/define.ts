/**
 * How an event type is declared: a `type` literal, the current schema version with its zod
 * schema, and upcasters that lift data written under older versions. Stored events are never
 * rewritten (the hash chain forbids it); old shapes are upcast on read.
 */
import type { z } from "zod";
import type { JsonValue } from "./canonical.js";

/** An event decided by a command, before the writer gives it a position. */
export interface PendingEvent<T extends string = string, D = JsonValue> {
  readonly type: T;
  readonly v: number;
  readonly data: D;
}

/** Lifts data of version n to version n + 1. */
export type Upcaster = (data: JsonValue) => JsonValue;

export interface EventType<T extends string, D extends JsonValue> {
  readonly type: T;
  readonly version: number;
  readonly schema: z.ZodType<D>;
  /** keyed by the version they lift from */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
  create(data: D): PendingEvent<T, D>;
}

/**
 * Pending events built by `create` (already parsed by their schema), so the writer does not
 * parse the same data twice on the append path.
 */
const parsedByCreate = new WeakSet<PendingEvent<string, JsonValue>>();

export const isParsedPendingEvent = (event: PendingEvent<string, JsonValue>): boolean => parsedByCreate.has(event);

/**
 * The data objects `create` returned: its schema's output at the current version, carried by
 * reference (readonly) into the stored envelope, the inline projections, `committed$` and the
 * deciders' evolve. Decoding them again would re-run the same schema on the same object. Data
 * read back from the database is a fresh object and never in this set, so it is still validated.
 */
const dataParsedByCreate = new WeakSet<object>();

export const isDataParsedByCreate = (data: JsonValue): boolean => typeof data === "object" && data !== null && dataParsedByCreate.has(data);

export function defineEvent<const T extends string, D extends JsonValue>(
  type: T,
  schema: z.ZodType<D>,
  options: { version?: number; upcasters?: Record<number, Upcaster> } = {},
): EventType<T, D> {
  const version = options.version ?? 1;
  const upcasters = options.upcasters ?? {};
  for (let from = 1; from < version; from++) {
    if (!upcasters[from]) throw new Error(`event ${type} v${version} lacks an upcaster from v${from}`);
  }
  return {
    type,
    version,
    schema,
    upcasters,
    create: (data) => {
      const event = { type, v: version, data: schema.parse(data) };
      parsedByCreate.add(event);
      if (typeof event.data === "object" && event.data !== null) dataParsedByCreate.add(event.data);
      return event;
    },
  };
}

/** The decoded form of a stored event: its type and its data at the current schema version. */
export type DomainEventOf<E> = E extends EventType<infer T, infer D> ? { readonly type: T; readonly data: D } : never;
