/**
 * The PostgreSQL driver carries the postinstall fix of scripts/patch-postgres-driver.mjs: without
 * it a connection closed while a write is buffered crashes the whole server (uncaught TypeError
 * in postgres-js `nextWrite`, test/faults/postgres-restart.test.ts). An install that skipped
 * scripts (`npm ci --ignore-scripts`) fails here instead of in production.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../e2e/children.js";

describe("the installed postgres driver", () => {
  it.each(["src", "cjs/src", "cf/src"])("%s/connection.js guards nextWrite and forgets the write timer on close", (dir) => {
    const text = readFileSync(join(REPO_ROOT, "node_modules/postgres", dir, "connection.js"), "utf8");
    expect(text, "run `npm run postinstall` (node scripts/patch-postgres-driver.mjs)").toContain("/* certeasy: nextWrite guard */");
    // terminate() and closed(): the timer is forgotten, not only cleared
    expect(text.match(/^    clearImmediate\(nextWriteTimer\)\n    chunk = nextWriteTimer = null$/gm)).toHaveLength(2);
  });
});
