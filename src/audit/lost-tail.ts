/**
 * A file shorter than the head the database recorded for its node is refused at boot as cut
 * (head.ts) — except when what is missing is only event lines the database still holds, and
 * sealing them again from the file's last intact line reproduces the recorded head line bit for
 * bit. Then nothing is lost: the boot's re-mirror writes exactly those lines again.
 *
 * Why it happens without anyone tampering: a file system that aborts its journal (ext4 after an
 * error, mounted `errors=remount-ro`) can lose the last write it had already acknowledged as
 * synced — seen on Linux 6.18 in test/faults/audit-unwritable.test.ts, one line in about five
 * runs — while the node had recorded that line as its head. A cut that removed a lifecycle line
 * (a shutdown, a boot), or lines whose events the database no longer holds as written, is not
 * reproduced and still refused.
 */
import type { EventStoreDialect, AuditHead } from "../store/dialect.js";
import { auditedFromRow, sealEventLine, type ChainTip } from "./line.js";

export async function lostTailReproducible(
  store: Pick<EventStoreDialect, "readByServer">,
  serverId: string,
  /** position of the last event the intact file mirrors */
  afterPosition: number,
  /** the file's last intact line */
  tip: ChainTip,
  recorded: AuditHead,
): Promise<boolean> {
  const missing = recorded.lines - tip.seq;
  if (missing <= 0) return false;
  const rows = await store.readByServer(serverId, afterPosition, missing);
  if (rows.length < missing) return false;
  let sealed = tip;
  for (const row of rows) sealed = sealEventLine(sealed, serverId, auditedFromRow(row)).tip;
  return sealed.seq === recorded.lines && sealed.hash === recorded.hash;
}
