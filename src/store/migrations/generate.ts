/**
 * `npm run db:generate -- <name> [drizzle-kit flags, e.g. --custom]`: generate the same
 * migration for every dialect, so that the three schema files never drift apart unnoticed.
 * drizzle.config.ts picks the dialect from CERTEASY_DIALECT.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { packageRoot } from "./files.js";

const dialects = ["sqlite", "postgres", "mssql"] as const;

function main(argv: readonly string[]): number {
  const [name, ...flags] = argv;
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error("usage: npm run db:generate -- <name> [--custom]   (name: lowercase letters, digits, _)");
    return 2;
  }
  const root = packageRoot();
  const drizzleKit = join(root, "node_modules", ".bin", "drizzle-kit");
  for (const dialect of dialects) {
    console.log(`\n== ${dialect}`);
    const result = spawnSync(drizzleKit, ["generate", "--name", name, ...flags], {
      cwd: root,
      env: { ...process.env, CERTEASY_DIALECT: dialect },
      stdio: "inherit",
    });
    if (result.error) {
      console.error(`cannot run drizzle-kit: ${result.error.message}`);
      return 1;
    }
    if (result.status !== 0) {
      console.error(`drizzle-kit generate failed for ${dialect} (exit ${result.status ?? result.signal})`);
      return result.status ?? 1;
    }
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
