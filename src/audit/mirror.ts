/**
 * Appending to an open audit file. The writer calls `appendEvents` once per group-commit batch
 * and acknowledges the batch only after it resolves (DESIGN §2 invariants 6, 7), so each call is
 * one write and one fdatasync, whatever the batch size. Calls are serialised: the chain tip is
 * read and advanced by one call at a time. When the file was opened with O_DSYNC (file.ts) the
 * write itself is that sync, and no separate fdatasync follows.
 */
import type { FileHandle } from "node:fs/promises";
import type { AuditHead } from "../store/dialect.js";
import type { StoredEvent } from "../../events/index.js";
import { AuditEventNotOwned, AuditMirrorStopped } from "./errors.js";
import {
  auditedFromStored,
  buildLifecycleLine,
  sealEventLine,
  serializeLine,
  tipOf,
  type AuditedEvent,
  type ChainTip,
  type LifecycleDetails,
  type LifecycleKind,
} from "./line.js";

export interface AuditMirror {
  /** One line per event, in the order given; resolves once the lines are on disk. */
  appendEvents(events: readonly StoredEvent[]): Promise<void>;
  appendLifecycle(kind: "boot" | "shutdown" | "takeover" | "lease-lost", details?: LifecycleDetails): Promise<void>;
  /** Waits for pending appends, then closes the file. Later appends reject. */
  close(): Promise<void>;
  /** seq and hash of the last line on disk */
  readonly tip: ChainTip;
  /** the same, as the node records it in the database (head.ts) */
  readonly head: AuditHead;
}

export interface FileAuditMirrorOptions {
  /** The handle was opened with O_DSYNC: a write returns once its bytes are durable. */
  readonly writesAreDurable?: boolean;
}

export class FileAuditMirror implements AuditMirror {
  readonly #handle: FileHandle;
  readonly #writesAreDurable: boolean;
  readonly #path: string;
  readonly #serverId: string;
  readonly #clock: () => Date;
  #tip: ChainTip;
  #queue: Promise<void> = Promise.resolve();
  #stopped: AuditMirrorStopped | null = null;
  #closed = false;

  constructor(handle: FileHandle, path: string, serverId: string, clock: () => Date, tip: ChainTip, options: FileAuditMirrorOptions = {}) {
    this.#handle = handle;
    this.#writesAreDurable = options.writesAreDurable ?? false;
    this.#path = path;
    this.#serverId = serverId;
    this.#clock = clock;
    this.#tip = tip;
  }

  get tip(): ChainTip {
    return this.#tip;
  }

  get head(): AuditHead {
    return { lines: this.#tip.seq, hash: this.#tip.hash };
  }

  appendEvents(events: readonly StoredEvent[]): Promise<void> {
    for (const e of events) {
      if (e.meta.node !== this.#serverId) return Promise.reject(new AuditEventNotOwned(e.gp, e.meta.node, this.#serverId));
    }
    return this.appendAudited(events.map(auditedFromStored));
  }

  /** Event lines from any source (the re-mirror reads database rows). */
  appendAudited(events: readonly AuditedEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    return this.#append((tip) => {
      const texts: string[] = [];
      for (const event of events) {
        const sealed = sealEventLine(tip, this.#serverId, event);
        texts.push(sealed.text);
        tip = sealed.tip;
      }
      return { texts, tip };
    });
  }

  appendLifecycle(kind: LifecycleKind, details: LifecycleDetails = {}): Promise<void> {
    return this.#append((tip) => {
      const line = buildLifecycleLine(tip, this.#serverId, kind, this.#clock(), details);
      return { texts: [serializeLine(line)], tip: tipOf(line) };
    });
  }

  close(): Promise<void> {
    return this.#serialised(async () => {
      if (this.#closed) return;
      this.#closed = true;
      this.#stopped ??= new AuditMirrorStopped(`the audit mirror of ${this.#path} is closed`);
      await this.#handle.close();
    });
  }

  /** Build the lines from the current tip, write them in one go, sync, then advance the tip. */
  #append(build: (tip: ChainTip) => { readonly texts: readonly string[]; readonly tip: ChainTip }): Promise<void> {
    return this.#serialised(async () => {
      if (this.#stopped) throw this.#stopped;
      const built = build(this.#tip);
      if (built.texts.length === 0) return;
      const bytes = Buffer.from(built.texts.join(""), "utf8");
      try {
        let offset = 0;
        while (offset < bytes.length) {
          const { bytesWritten } = await this.#handle.write(bytes, offset, bytes.length - offset);
          offset += bytesWritten;
        }
        if (!this.#writesAreDurable) await this.#handle.datasync();
      } catch (error) {
        // The file may now end in a partial line and the tip is unknown: stop here. The next
        // boot cuts the torn tail and re-mirrors the missing events from the database.
        this.#stopped = new AuditMirrorStopped(`writing to audit file ${this.#path} failed; the mirror has stopped: ${String(error)}`, {
          cause: error,
        });
        throw this.#stopped;
      }
      this.#tip = built.tip;
    });
  }

  #serialised<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(task);
    this.#queue = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
