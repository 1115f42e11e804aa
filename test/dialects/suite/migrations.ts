/** Our migrator: applies what is pending, once; refuses databases this build must not touch. */
import { expect, it } from "vitest";
import { GENESIS_HASH } from "../../../events/index.js";
import { MigrationRefused } from "../../../src/store/migrations/refused.js";
import type { SuiteContext } from "../event-store.suite.js";
import { countOf } from "./fixtures.js";

const appliedNames = async (query: (s: string) => Promise<Record<string, unknown>[]>): Promise<string[]> =>
  (await query("SELECT name FROM certeasy_migrations ORDER BY name")).map((r) => String(r["name"]).trim());

export function migrationTests({ empty, migrated }: SuiteContext): void {
  it("applies every shipped migration to an empty database, and a second migrate does nothing", async () => {
    const { dialect, query } = await empty();
    const before = await dialect.migrationStatus();
    expect(before.known.length).toBeGreaterThanOrEqual(2);
    expect(before.applied).toEqual([]);
    expect(before.pending).toEqual(before.known);

    const after = await dialect.migrate();
    expect(after).toEqual({ known: before.known, applied: before.known, pending: [] });
    expect(await dialect.migrationStatus()).toEqual(after);
    expect(await appliedNames(query)).toEqual(before.known);
    // the append_only migration seeded the head with the genesis hash
    expect(await dialect.head()).toEqual({ position: 0, hash: GENESIS_HASH });

    expect(await dialect.migrate()).toEqual(after);
    expect(countOf(await query("SELECT COUNT(*) AS n FROM certeasy_migrations"))).toBe(before.known.length);
    expect(countOf(await query("SELECT COUNT(*) AS n FROM es_log_head"))).toBe(1);
    expect(await dialect.pendingSql()).toMatch(/no pending migration/);
  });

  it("shows the SQL it would run, with its bookkeeping, without running it", async () => {
    const { dialect } = await empty();
    const { known } = await dialect.migrationStatus();
    const script = await dialect.pendingSql();
    for (const name of known) expect(script).toContain(`migration ${name}`);
    expect(script).toMatch(/CREATE TABLE \W?es_events\W?/);
    expect(script).toMatch(/INSERT INTO \W?certeasy_migrations\W?/);
    expect((await dialect.migrationStatus()).applied).toEqual([]);
  });

  it("refuses a database migrated by a newer build, and applies nothing", async () => {
    const { dialect, query } = await migrated();
    const { known } = await dialect.migrationStatus();
    const last = known.at(-1) ?? "";
    const future = "99991231235959_from_a_newer_build";
    // The database lacks our last migration (pending) and holds one we do not ship.
    await query(`DELETE FROM certeasy_migrations WHERE name = '${last}'`);
    await query(`INSERT INTO certeasy_migrations (name, checksum, applied_at) VALUES ('${future}', '${"a".repeat(64)}', 0)`);
    const recorded = await appliedNames(query);

    const refusal = await dialect.migrate().catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(MigrationRefused);
    expect((refusal as MigrationRefused).message).toContain(
      `database is newer than this Certeasy build: migration ${future}`,
    );
    expect((refusal as MigrationRefused).migration).toBe(future);
    await expect(dialect.migrationStatus()).rejects.toBeInstanceOf(MigrationRefused);
    await expect(dialect.pendingSql()).rejects.toBeInstanceOf(MigrationRefused);
    expect(await appliedNames(query)).toEqual(recorded);
  });

  it("refuses a migration whose text changed after it was applied", async () => {
    const { dialect, query } = await migrated();
    const [first] = (await dialect.migrationStatus()).known;
    await query(`UPDATE certeasy_migrations SET checksum = '${"f".repeat(64)}' WHERE name = '${first}'`);

    const refusal = dialect.migrate();
    await expect(refusal).rejects.toBeInstanceOf(MigrationRefused);
    await expect(refusal).rejects.toThrow(`migration ${first} was changed after it was applied`);
    await expect(dialect.migrationStatus()).rejects.toBeInstanceOf(MigrationRefused);
  });
}
