#!/usr/bin/env node
/**
 * postinstall: fix a crash in the PostgreSQL driver (npm `postgres` 3.4.9, the latest release;
 * upstream issues porsager/postgres#1154 and #1208, fixes proposed in PRs #1168 and #1209, not
 * released). When a connection closes while a small write is buffered, `nextWrite` later calls
 * `socket.write` on the null socket: an uncaught TypeError from a setImmediate callback, which
 * takes the whole server down — seen when PostgreSQL is restarted under load
 * (test/faults/postgres-restart.test.ts). And `closed()`/`terminate()` clear the pending write
 * timer without forgetting it, so the reconnected connection never flushes a small write again.
 *
 * The patch: `nextWrite` on a closed socket rejects the connection's queries with
 * CONNECTION_CLOSED (the driver's own error, which Certeasy answers with a 503) instead of
 * throwing; the teardown paths forget the timer and the buffered bytes. Idempotent (a marker
 * comment); files are replaced, not rewritten in place, so hard-linked copies elsewhere are left
 * alone. Fails loudly if the driver's code no longer matches (a new version: re-check upstream).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const MARKER = "/* certeasy: nextWrite guard */";
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "node_modules", "postgres");

const edits = [
  {
    from: "  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)",
    to:
      `  function nextWrite(fn) {\n    ${MARKER}\n    if (!socket) {\n` +
      "      nextWriteTimer !== null && clearImmediate(nextWriteTimer)\n" +
      "      chunk = nextWriteTimer = null\n" +
      "      error(Errors.connection('CONNECTION_CLOSED', options))\n" +
      "      return false\n    }\n    const x = socket.write(chunk, fn)",
    count: 1,
  },
  {
    from: "    clearImmediate(nextWriteTimer)\n",
    to: "    clearImmediate(nextWriteTimer)\n    chunk = nextWriteTimer = null\n",
    count: 2,
  },
];

export function patchDriverFile(file) {
  const text = readFileSync(file, "utf8");
  if (text.includes(MARKER)) return "already patched";
  let patched = text;
  for (const edit of edits) {
    const found = patched.split(edit.from).length - 1;
    if (found !== edit.count) throw new Error(`${file}: expected ${edit.count} × ${JSON.stringify(edit.from.slice(0, 40))}…, found ${found}: the driver changed, re-check the upstream fix`);
    patched = patched.split(edit.from).join(edit.to);
  }
  const temp = `${file}.certeasy-tmp`;
  writeFileSync(temp, patched);
  renameSync(temp, file);
  return "patched";
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!existsSync(root)) {
    console.log("postgres driver not installed: nothing to patch");
  } else {
    for (const dir of ["src", "cjs/src", "cf/src"]) {
      const file = join(root, dir, "connection.js");
      if (existsSync(file)) console.log(`node_modules/postgres/${dir}/connection.js: ${patchDriverFile(file)}`);
    }
  }
}
