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

/**
 * For long work that is worth following in a log too (a rebuild of a large log): the bar on a
 * terminal, otherwise one line on stderr at the first step and then at most every `everyMs`,
 * so an operator tailing a service log or a script sees how far it got.
 */
export function progressReport(
  label: string,
  everyMs = 1000,
): { update(done: number, total: number): void; finish(): void } {
  if (process.stderr.isTTY === true) return progressBar(label);
  let lastAt = -Infinity;
  return {
    update(done, total) {
      const at = performance.now();
      if (at - lastAt < everyMs && done < total) return;
      lastAt = at;
      writeSync(2, `${label}: position ${done} of ${total}\n`);
    },
    finish() {},
  };
}
