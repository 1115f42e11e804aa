/**
 * Opening a node's audit file at boot (DESIGN §2 invariant 7): create it if missing, check the
 * whole chain, refuse a file another node wrote last or one that ends before the head the
 * database recorded for this node (head.ts), cut a torn tail, and re-mirror from the
 * database the events this node committed but did not get to write (a crash between commit and
 * mirror). Returns the mirror the event writer appends to.
 *
 * Call it before the writer takes commands: the re-mirror assumes nothing else appends meanwhile.
 */
import { constants } from "node:fs";
import { mkdir, open, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import type { EventStoreDialect } from "../store/dialect.js";
import { ChainScanner, type TornTail } from "./chain.js";
import { BeyondHead, sameEventInDatabase } from "./beyond-head.js";
import { AuditAheadOfDatabase, AuditDivergedFromDatabase, AuditForeignServer, AuditTampered } from "./errors.js";
import { readRecordedHead, RecordedHeadCheck } from "./head.js";
import { lostTailReproducible } from "./lost-tail.js";
import { auditedFromRow, type EventLine } from "./line.js";
import { FileAuditMirror, type AuditMirror } from "./mirror.js";
import { readRawLines } from "./read-lines.js";

/** The part of the event store the audit file needs. */
export type AuditStore = Pick<EventStoreDialect, "head" | "readAll" | "readByServer" | "listServers">;

/** Structurally compatible with a pino logger. */
export interface AuditLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
}

export interface OpenAuditFileOptions {
  /** `<workdir>/audit.log` */
  readonly path: string;
  readonly serverId: string;
  readonly store: AuditStore;
  /** stamps lifecycle lines */
  readonly clock: () => Date;
  readonly log?: AuditLogger;
  /** rows per database read while re-mirroring (default 500) */
  readonly batchSize?: number;
}

export interface AuditOpenReport {
  readonly path: string;
  /** the file did not exist and was created */
  readonly created: boolean;
  /** lines in the file once open (after any repair) */
  readonly lines: number;
  /** what was cut off the end, or null */
  readonly tornTail: TornTail | null;
  /** events copied from the database because the file lacked them */
  readonly remirrored: number;
}

export interface OpenedAuditFile {
  readonly mirror: AuditMirror;
  readonly report: AuditOpenReport;
}

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

export async function openAuditFile(options: OpenAuditFileOptions): Promise<OpenedAuditFile> {
  const { path, serverId, store, clock, log } = options;
  await mkdir(dirname(path), { recursive: true, mode: DIR_MODE });
  const recorded = await readRecordedHead(store, serverId);
  const { handle, created } = await openOrCreate(path);
  try {
    const headCheck = recorded && !created ? new RecordedHeadCheck(recorded) : null;
    const scanner = new ChainScanner();
    const beyond = new BeyondHead((await store.head()).position);
    let lastMirrored: EventLine | null = null;
    for await (const raw of readRawLines(handle)) {
      const line = scanner.push(raw.text, raw.bytes, raw.terminated);
      if (line) headCheck?.observe(line);
      if (line?.kind === "event" && !beyond.observe(line)) lastMirrored = line;
      if (scanner.tampered) break;
    }
    const scan = scanner.finish();
    if (!scan.ok) throw new AuditTampered(path, scan.fault);
    if (scan.last && scan.last.server_id !== serverId) throw new AuditForeignServer(path, scan.last.server_id, serverId);
    // Checked before the torn tail is cut: a file shorter than its recorded head was cut by
    // someone, not by a crash, even when its last piece looks torn.
    const cut = headCheck?.fault(scan.tip);
    if (cut) {
      if (!recorded || !(await lostTailReproducible(store, serverId, scan.lastEventPosition, scan.tip, recorded))) throw new AuditTampered(path, cut);
      log?.warn(
        { path, recordedLines: recorded.lines, intactLines: scan.tip.seq },
        `audit file: ${recorded.lines - scan.tip.seq} line(s) recorded as written are missing (a file system that lost synced writes, or a cut); they are events the database holds, and re-mirroring them reproduces the recorded head exactly`,
      );
    }
    // A restored database: appending now would reuse positions the file already holds.
    const ahead = beyond.ahead;
    if (ahead) throw new AuditAheadOfDatabase(path, ahead);
    if (lastMirrored && !(await sameEventInDatabase(store, lastMirrored))) {
      throw new AuditDivergedFromDatabase(path, lastMirrored.seq, lastMirrored.position);
    }
    // No file where the database knows one: the operator moved it aside (or it was lost). The
    // new file starts its own chain; its repair line keeps the old head as evidence.
    const replaced = created ? recorded : null;
    if (replaced) {
      log?.warn({ path, recordedLines: replaced.lines, recordedHash: replaced.hash }, `audit file: none at ${path} although the database recorded one of ${replaced.lines} lines; starting a new file`);
    }

    if (scan.tornTail) {
      await handle.truncate(scan.goodBytes);
      await handle.datasync();
      log?.warn({ path, tornTail: scan.tornTail }, `audit file: cut a torn last line (${scan.tornTail.reason})`);
    }
    const mirror = new FileAuditMirror(handle, path, serverId, clock, scan.tip, { writesAreDurable: SYNCED_WRITES !== 0 });
    const remirrored = await remirror(mirror, store, serverId, scan.lastEventPosition, options.batchSize ?? 500);
    if (scan.tornTail || remirrored.count > 0 || replaced) {
      await mirror.appendLifecycle("repair", {
        remirrored: remirrored.count,
        ...(replaced ? { replacedFileLines: replaced.lines, replacedFileHead: replaced.hash } : {}),
        ...(remirrored.count > 0 ? { fromPosition: remirrored.first, toPosition: remirrored.last } : {}),
        ...(scan.tornTail ? { tornTailBytes: scan.tornTail.bytes, tornTailReason: scan.tornTail.reason } : {}),
      });
    }
    if (remirrored.count > 0) {
      log?.warn(
        { path, remirrored: remirrored.count, fromPosition: remirrored.first, toPosition: remirrored.last },
        `audit file: re-mirrored ${remirrored.count} committed event(s) the file lacked (crash between commit and mirror)`,
      );
    }
    const report: AuditOpenReport = { path, created, lines: mirror.tip.seq, tornTail: scan.tornTail, remirrored: remirrored.count };
    return { mirror, report };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/**
 * O_DSYNC where the platform has it (POSIX): each write returns only once its bytes, and the
 * metadata needed to read them back, are on the disk — what write + fdatasync gave, in one
 * system call and one trip through libuv's thread pool instead of two per group commit. Where it
 * is missing (Windows) the mirror calls datasync after its writes.
 */
const SYNCED_WRITES: number = constants.O_DSYNC ?? 0;

/** O_APPEND, so every write lands at the end whatever else holds the file open. */
async function openOrCreate(path: string): Promise<{ handle: FileHandle; created: boolean }> {
  const { O_RDWR, O_APPEND, O_CREAT, O_EXCL } = constants;
  try {
    // "ax+" plus O_DSYNC
    const handle = await open(path, O_RDWR | O_APPEND | O_CREAT | O_EXCL | SYNCED_WRITES, FILE_MODE);
    await syncDirectory(dirname(path));
    return { handle, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // "a+" plus O_DSYNC
    return { handle: await open(path, O_RDWR | O_APPEND | O_CREAT | SYNCED_WRITES), created: false };
  }
}

/**
 * Make the new file's directory entry durable, or a power cut could lose the file along with
 * lines already reported as synced. Windows cannot open a directory for this; NTFS journals the
 * entry itself there.
 */
async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

interface Remirrored {
  readonly count: number;
  readonly first: number;
  readonly last: number;
}

/** Append, in position order, every event of this node after the last one the file mirrors. */
async function remirror(
  mirror: FileAuditMirror,
  store: AuditStore,
  serverId: string,
  after: number,
  batchSize: number,
): Promise<Remirrored> {
  let count = 0;
  let first = 0;
  let cursor = after;
  for (;;) {
    const rows = await store.readByServer(serverId, cursor, batchSize);
    const lastRow = rows.at(-1);
    if (!lastRow) break;
    await mirror.appendAudited(rows.map(auditedFromRow));
    if (count === 0) first = rows[0]?.position ?? lastRow.position;
    count += rows.length;
    cursor = lastRow.position;
    if (rows.length < batchSize) break;
  }
  return { count, first, last: cursor };
}
