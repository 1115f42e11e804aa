/**
 * A minimal in-memory event log for the audit tests: only what the audit file reads
 * (readAll, readByServer, and the recorded audit heads through listServers). Events are planned by the real plan-append, so positions, bodies and
 * hashes are exactly what a dialect stores.
 */
import { randomUUID } from "node:crypto";
import { NodeStarted, nodeStreamId, type StoredEvent } from "../../events/index.js";
import type { AuditStore } from "../../src/audit/index.js";
import type { AuditHead, EventRow, LogHead, ServerRow } from "../../src/store/dialect.js";
import { planAppend } from "../../src/store/plan-append.js";

export class MemoryEventLog implements AuditStore {
  readonly rows: EventRow[] = [];
  readonly #versions = new Map<string, number>();
  /** audit heads recorded per node, as touchServer would */
  readonly heads = new Map<string, AuditHead>();
  #now = Date.parse("2026-11-30T09:00:00.000Z");

  /** Append `count` node.started events by `serverId`; returns them as the writer would get them. */
  append(serverId: string, count = 1): StoredEvent[] {
    const last = this.rows.at(-1);
    const head = { position: last?.position ?? 0, hash: last?.hash ?? "0".repeat(64) };
    const streamId = nodeStreamId(serverId);
    const events = Array.from({ length: count }, () => startedEvent());
    this.#now += 1000;
    const plan = planAppend(head, this.#versions, [{ streamId, expectedVersion: "any", events }], { serverId, leaseEpoch: null }, new Date(this.#now));
    for (const [id, s] of plan.streams) this.#versions.set(id, s.version);
    this.rows.push(...plan.events.map(toRow));
    return [...plan.events];
  }

  /** What an attacker with write access to the database would do. */
  replaceBody(position: number, body: string): void {
    const i = this.rows.findIndex((r) => r.position === position);
    const row = this.rows[i];
    if (!row) throw new Error(`no row at ${position}`);
    this.rows[i] = { ...row, body };
  }

  async head(): Promise<LogHead> {
    const last = this.rows.at(-1);
    return { position: last?.position ?? 0, hash: last?.hash ?? "0".repeat(64) };
  }

  /** What a restore from an older backup does: the log ends at `position` again. */
  restoreTo(position: number): void {
    const cut = this.rows.findIndex((r) => r.position > position);
    if (cut === -1) return;
    this.rows.splice(cut);
    this.#versions.clear();
    for (const r of this.rows) this.#versions.set(r.streamId, r.streamVersion);
  }

  async readAll(after: number, limit: number): Promise<readonly EventRow[]> {
    return this.rows.filter((r) => r.position > after).slice(0, limit);
  }

  async listServers(): Promise<readonly ServerRow[]> {
    return [...this.heads].map(([serverId, head]) => ({
      serverId,
      hostname: "ca-1.corp.example",
      firstSeen: this.#now,
      lastSeen: this.#now,
      auditLines: head.lines,
      auditHeadHash: head.hash,
      role: "active" as const,
    }));
  }

  async readByServer(serverId: string, after: number, limit: number): Promise<readonly EventRow[]> {
    return this.rows.filter((r) => r.serverId === serverId && r.position > after).slice(0, limit);
  }
}

export function startedEvent(): ReturnType<typeof NodeStarted.create> {
  return NodeStarted.create({ bootId: randomUUID(), hostname: "ca-1.corp.example", pid: 4242, version: "0.1.0", firstBoot: false });
}

function toRow(e: StoredEvent): EventRow {
  return {
    position: e.gp,
    eventId: e.eid,
    streamId: e.sid,
    streamVersion: e.sv,
    eventType: e.type,
    schemaVersion: e.v,
    recordedAt: Date.parse(e.at),
    serverId: e.meta.node,
    body: e.body,
    hash: e.hash,
  };
}
