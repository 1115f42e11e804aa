/**
 * Reads the migrations this build ships: `drizzle/<folder>/<name>/migration.sql`, found from
 * the package root (not the working directory, so `certeasy migrate` works from anywhere).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { compareNames, migrationFile, type MigrationFile } from "./plan.js";

/** The folder under drizzle/ of each dialect (drizzle-kit's own dialect names). */
export type MigrationFolder = "sqlite" | "postgres" | "mssql";

/**
 * Walk up from this module to the directory holding package.json and drizzle/: works from
 * src/ under tsx and from an emitted dist/ alike.
 */
export function packageRoot(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "drizzle"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the Certeasy package root (with drizzle/) above ${from}`);
    dir = parent;
  }
}

export function migrationsDir(folder: MigrationFolder): string {
  return join(packageRoot(), "drizzle", folder);
}

/** Every shipped migration of one dialect, in name order. */
export function loadMigrations(folder: MigrationFolder, dir: string = migrationsDir(folder)): MigrationFile[] {
  if (!existsSync(dir)) throw new Error(`migrations folder ${dir} is missing from this Certeasy build`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, "migration.sql")))
    .map((entry) => entry.name)
    .sort(compareNames)
    .map((name) => migrationFile(name, readFileSync(join(dir, name, "migration.sql"), "utf8")));
}
