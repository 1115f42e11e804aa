/**
 * `certeasy backup create|verify` (reference §5, §6): SQLite backups by `VACUUM INTO`, and the
 * check that a backup can be restored. PostgreSQL and SQL Server are backed up by their own
 * tools, which the refusal names.
 *
 * Exit codes of `create` follow the reference: 0 backup written and clean, 1 no backup, 2 a
 * backup written although its check failed (`--allow-incomplete`). `verify`: 0 sound, 1 not.
 * A usage error is also 2 (commander), as for every command.
 */
import { Option, type Command } from "commander";
import type { CerteasyConfig } from "../../config/index.js";
import { BackupRefused } from "../../backup/errors.js";
import type { BackupCheck } from "../../backup/create.js";
import type { IntegrityLevel } from "../../backup/integrity.js";
import { requireConfigFile } from "../context.js";
import { progressBar } from "../progress.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, runCommand } from "../run.js";

/** `create` wrote a backup whose check failed: the reference's exit code 2. */
const EXIT_INCOMPLETE_BACKUP = EXIT_USAGE;

export function registerBackup(program: Command): void {
  const backup = program.command("backup").description("SQLite backups: make one, check one");

  backup
    .command("create")
    .description("copy the SQLite database to a new file with VACUUM INTO (safe while the server runs), then check the copy")
    .option("-f, --file <config>", "configuration file")
    .requiredOption("--output <path>", "the backup file to write; must not exist")
    .addOption(
      new Option("--check <level>", "check the copy: quick (quick_check), full (integrity_check and the event hash chain), none")
        .choices(["none", "quick", "full"])
        .default("quick"),
    )
    .option("--allow-incomplete", "keep the copy even if its check fails (exit 2)")
    .action(
      runCommand(async (opts: { file?: string; output: string; check: BackupCheck; allowIncomplete?: boolean }) => {
        const config = requireConfigFile(opts.file);
        const source = sqlitePath(config);
        const bar = progressBar("checking the event chain");
        // Loaded on use, like the dialects (store/open.ts): other commands never load SQLite.
        const { createSqliteBackup } = await import("../../backup/create.js");
        const result = await createSqliteBackup({
          source,
          output: opts.output,
          check: opts.check,
          keepOnFailedCheck: opts.allowIncomplete === true,
          onProgress: (p) => bar.update(p.done, p.total),
        });
        bar.finish();
        for (const problem of result.problems) process.stderr.write(`${problem}\n`);
        if (!result.written) {
          process.stderr.write(`no backup written: the copy failed its ${opts.check} check (--allow-incomplete keeps it anyway)\n`);
          return EXIT_FAILURE;
        }
        const checked = opts.check === "none" ? "not checked" : result.problems.length === 0 ? `${opts.check} check ok` : `${opts.check} check FAILED`;
        process.stdout.write(`backup of ${source} written to ${opts.output} (${result.bytes} bytes, ${checked})\n`);
        return result.problems.length === 0 ? EXIT_OK : EXIT_INCOMPLETE_BACKUP;
      }),
    );

  backup
    .command("verify")
    .description("check that a backup file can be restored: SQLite integrity and the event hash chain (needs no config)")
    .requiredOption("--input <path>", "the backup file")
    .addOption(new Option("--check <level>", "quick (quick_check) or full (integrity_check)").choices(["quick", "full"]).default("full"))
    .option("--schema", "also check that the canonical tables exist and the migrations are this build's")
    .action(
      runCommand(async (opts: { input: string; check: IntegrityLevel; schema?: boolean }) => {
        const bar = progressBar("checking the event chain");
        const { verifySqliteBackup } = await import("../../backup/verify.js");
        const report = await verifySqliteBackup({
          input: opts.input,
          check: opts.check,
          schema: opts.schema === true,
          onProgress: (p) => bar.update(p.done, p.total),
        });
        bar.finish();
        for (const note of report.notes) process.stdout.write(`${note}\n`);
        if (report.problems.length > 0) {
          for (const problem of report.problems) process.stderr.write(`${opts.input}: ${problem}\n`);
          return EXIT_FAILURE;
        }
        process.stdout.write(`${opts.input}: OK — ${opts.check} integrity check passed${opts.schema ? ", schema present" : ""}\n`);
        return EXIT_OK;
      }),
    );
}

function sqlitePath(config: CerteasyConfig): string {
  const { database } = config;
  if (database.driver === "sqlite") return database.path;
  const tools =
    database.driver === "postgres"
      ? "pg_dump (or pg_basebackup with WAL archiving for point-in-time recovery)"
      : "BACKUP DATABASE (or your SQL Server maintenance plan)";
  throw new BackupRefused(
    `certeasy backup works on SQLite only; this configuration uses ${database.driver}: back it up with ${tools}, and keep local-ca/, eab-kek, the audit file and config.yml with it`,
  );
}
