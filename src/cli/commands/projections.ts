/**
 * `certeasy projections rebuild -f config.yml`: truncate every projection table and replay the
 * whole log through the same projection operators the writer runs inline (DESIGN invariant 1).
 * It runs in one transaction holding the log head lock, so appends wait and readers see the old
 * rows until it commits.
 *
 * `certeasy projections status -f config.yml`: per table, its rows and whether a rebuild would
 * change them (src/store/projection-status.ts). Exit 0 every table matches the log, 1 a
 * rebuild would change rows or the chain is broken, 2 usage.
 */
import type { Command } from "commander";
import { projectBatch, tableProjections } from "../../../projections/index.js";
import { requireConfigFile, withDatabase } from "../context.js";
import { progressBar } from "../progress.js";
import { EXIT_FAILURE, EXIT_OK, runCommand } from "../run.js";
import { renderTable } from "../table.js";

export function registerProjections(program: Command): void {
  const projections = program.command("projections").description("the tables derived from the event log");

  projections
    .command("rebuild")
    .description("rebuild every projection table from the event log")
    .option("-f, --file <config>", "configuration file")
    .action(
      runCommand(async (opts: { file?: string }) => {
        const config = requireConfigFile(opts.file);
        const bar = progressBar("rebuilding projections");
        const started = performance.now();
        const result = await withDatabase(config, (db) =>
          db.rebuildProjections((events) => projectBatch(tableProjections, events), (p) => bar.update(p.position, p.head)),
        );
        bar.finish();
        const tables = tableProjections.flatMap((p) => p.tables).join(", ");
        process.stdout.write(
          `rebuilt ${tables} from ${result.head} events in ${Math.round(performance.now() - started)} ms\n`,
        );
        return EXIT_OK;
      }),
    );

  projections
    .command("status")
    .description("per projection table: rows, and whether a rebuild from the log would change them")
    .option("-f, --file <config>", "configuration file")
    .action(
      runCommand(async (opts: { file?: string }) => {
        const config = requireConfigFile(opts.file);
        // Loaded on use: it needs SQLite (the scratch rebuild) whatever the configured database.
        const { projectionStatus } = await import("../../store/projection-status.js");
        const bar = progressBar("rebuilding in memory");
        const status = await withDatabase(config, (db) =>
          projectionStatus(db, (events) => projectBatch(tableProjections, events), (p) => bar.update(p.done, p.total)),
        );
        bar.finish();
        if (!status.ok) {
          process.stderr.write(`${status.fault.reason}\nthe log's chain is broken: a rebuild cannot be trusted (see \`certeasy events verify\`)\n`);
          return EXIT_FAILURE;
        }
        const rows = status.tables.map((t) => [
          t.table,
          String(t.rows),
          String(t.rebuiltRows),
          t.dropped + t.added === 0 ? "current" : `a rebuild would drop ${t.dropped} row(s) and write ${t.added}`,
        ]);
        process.stdout.write(`log head: position ${status.head.position}, hash ${status.head.hash}\n`);
        process.stdout.write(renderTable(["table", "rows", "rebuilt", "status"], rows));
        const stale = status.tables.filter((t) => t.dropped + t.added > 0);
        if (stale.length > 0 && status.headAfter.position !== status.head.position) {
          process.stdout.write(
            `the log grew to position ${status.headAfter.position} during the check: the differences may be those events; run it again\n`,
          );
        }
        if (stale.length > 0) process.stdout.write(`run \`certeasy projections rebuild -f ${config.file}\` to bring them back in line with the log\n`);
        return stale.length === 0 ? EXIT_OK : EXIT_FAILURE;
      }),
    );
}
