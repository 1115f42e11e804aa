/**
 * SQLite's own consistency checks on a database file (reference §6): `quick_check` catches most
 * damage at a fraction of the cost; `integrity_check` also checks that every index matches its
 * table. Neither takes a write lock in WAL mode, so a running server is not held up.
 */
import type Database from "better-sqlite3";

export type IntegrityLevel = "quick" | "full";

/** The check's findings; empty when SQLite answers "ok". */
export function integrityProblems(client: Database.Database, level: IntegrityLevel): string[] {
  const pragma = level === "quick" ? "quick_check" : "integrity_check";
  const rows = client.pragma(pragma) as Record<string, unknown>[];
  const findings = rows.map((row) => String(Object.values(row)[0]));
  return findings.length === 1 && findings[0] === "ok" ? [] : findings.map((f) => `${pragma}: ${f}`);
}
