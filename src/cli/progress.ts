/**
 * A progress bar on stderr when it is a terminal; nothing otherwise (logs and pipes stay clean).
 * Written synchronously so it also draws while a synchronous SQLite transaction runs.
 */
import { writeSync } from "node:fs";

export function progressBar(label: string): { update(done: number, total: number): void; finish(): void } {
  const tty = process.stderr.isTTY === true;
  let lastDrawn = -1;
  return {
    update(done, total) {
      if (!tty || total === 0) return;
      const percent = Math.floor((done / total) * 100);
      if (percent === lastDrawn) return;
      lastDrawn = percent;
      const width = 30;
      const filled = Math.round((width * done) / total);
      writeSync(2, `\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${percent}% (${done}/${total})`);
    },
    finish() {
      if (tty && lastDrawn >= 0) writeSync(2, "\n");
    },
  };
}
