/**
 * What someone with write access to an SQLite database would do to the event log: drop the
 * append-only guard triggers (by the names the shipped migrations give them) and edit a row.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { REPO_ROOT } from "../e2e/children.js";

export async function appendOnlyTriggers(): Promise<string[]> {
  const root = join(REPO_ROOT, "drizzle", "sqlite");
  const names: string[] = [];
  for (const migration of await readdir(root)) {
    const sql = await readFile(join(root, migration, "migration.sql"), "utf8");
    for (const match of sql.matchAll(/CREATE TRIGGER [`"]?(\w+)[`"]?\s+BEFORE\s+(?:UPDATE|DELETE)[\s\S]*?ON [`"]?es_events\b/gi)) {
      if (match[1]) names.push(match[1]);
    }
  }
  return names;
}

/** Drop the guards and append a space to the body at `position`: still JSON, no longer its hash. */
export async function tamperEventBody(databasePath: string, position: number): Promise<void> {
  const triggers = await appendOnlyTriggers();
  const db = new Database(databasePath, { fileMustExist: true });
  try {
    for (const trigger of triggers) db.exec(`DROP TRIGGER IF EXISTS "${trigger}"`);
    const changed = db.prepare("UPDATE es_events SET body = body || ' ' WHERE position = ?").run(position).changes;
    if (changed !== 1) throw new Error(`no event at position ${position}`);
  } finally {
    db.close();
  }
}
