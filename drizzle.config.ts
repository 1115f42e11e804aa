/**
 * drizzle-kit configuration. One logical schema, one definition file and one migrations
 * folder per dialect; pick the dialect with CERTEASY_DIALECT (sqlite | postgres | mssql).
 * `npm run db:generate -- <name>` generates the migration for all three.
 */
import { defineConfig } from "drizzle-kit";

const dialects = {
  sqlite: { dialect: "sqlite", schema: "./src/store/schema/sqlite.ts", out: "./drizzle/sqlite" },
  postgres: { dialect: "postgresql", schema: "./src/store/schema/postgres.ts", out: "./drizzle/postgres" },
  mssql: { dialect: "mssql", schema: "./src/store/schema/mssql.ts", out: "./drizzle/mssql" },
} as const;

const name = (process.env.CERTEASY_DIALECT ?? "sqlite") as keyof typeof dialects;
const chosen = dialects[name];
if (!chosen) throw new Error(`CERTEASY_DIALECT must be one of ${Object.keys(dialects).join(", ")}`);

export default defineConfig(chosen);
