/**
 * `certeasy migrate -f config.yml [--sql]` (reference §5): apply pending migrations, or with
 * `--sql` print the script a DBA would run (`database.noddl` deployments) and apply nothing.
 * Exit 0 applied or nothing to do, 1 failed or refused.
 */
import type { Command } from "commander";
import { openConfiguredDatabase, requireConfigFile } from "../context.js";
import { EXIT_OK, runCommand } from "../run.js";

export function registerMigrate(program: Command): void {
  program
    .command("migrate")
    .description("bring the database schema up to this build")
    .option("-f, --file <config>", "configuration file")
    .option("--sql", "print the SQL of the pending migrations instead of applying them")
    .action(
      runCommand(async (opts: { file?: string; sql?: boolean }) => {
        const config = requireConfigFile(opts.file);
        // --sql on a new host needs a database to compare with: an empty one is what a DBA starts from.
        const dialect = await openConfiguredDatabase(config, "create");
        try {
          if (opts.sql) {
            process.stdout.write(await dialect.pendingSql());
            return EXIT_OK;
          }
          const before = await dialect.migrationStatus();
          const after = await dialect.migrate();
          if (before.pending.length === 0) process.stdout.write("the database schema is current; nothing to do\n");
          for (const name of before.pending) process.stdout.write(`applied ${name}\n`);
          process.stdout.write(`${after.applied.length} of ${after.known.length} migrations applied\n`);
          return EXIT_OK;
        } finally {
          await dialect.close();
        }
      }),
    );
}
