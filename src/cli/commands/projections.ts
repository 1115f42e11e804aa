/**
 * `certeasy projections rebuild -f config.yml [--batch N]`: truncate every projection table and
 * replay the whole log through the same projection operators the writer runs inline (DESIGN
 * invariant 1), in batches committed with a checkpoint, so an interrupted rebuild (SIGKILL,
 * Ctrl-C, power cut) resumes where it stopped on the next run. While a node holds the writer
 * lease it runs as one transaction instead (appends wait; not resumable). At the end the tables are compared with a scratch replay of the log (the same
 * check as `status`): exit 0 when they match, 1 when not.
 *
 * `certeasy projections status -f config.yml`: per table, its rows and whether a rebuild would
 * change them (src/store/projection-status.ts). Exit 0 every table matches the log, 1 a
 * rebuild would change rows or the chain is broken, 2 usage.
 */
import type { Command } from "commander";
import type { StoredEvent } from "../../../events/index.js";
import { projectBatch, tableProjections } from "../../../projections/index.js";
import type { RowChange } from "../../../projections/row-change.js";
import { DEFAULT_REBUILD_BATCH } from "../../store/dialect.js";
import { requireConfigFile, withDatabase } from "../context.js";
import { progressBar, progressReport } from "../progress.js";
import { liveLeaseHolder, positiveInteger, verifyRebuilt } from "./projections-rebuild.js";
import { EXIT_FAILURE, EXIT_OK, runCommand } from "../run.js";
import { renderTable } from "../table.js";

export function registerProjections(program: Command): void {
  const projections = program.command("projections").description("the tables derived from the event log");

  projections
    .command("rebuild")
    .description("rebuild every projection table from the event log (resumes an interrupted rebuild), then verify them")
    .option("-f, --file <config>", "configuration file")
    .option("--batch <events>", "events per committed batch: how much an interruption loses", positiveInteger, DEFAULT_REBUILD_BATCH)
    .action(
      runCommand(async (opts: { file?: string; batch: number }) => {
        const config = requireConfigFile(opts.file);
        return withDatabase(config, async (db) => {
          // Beside a serving node, batches would let its appends land on half-rebuilt tables:
          // one transaction then (appends wait, readers keep the old rows until it commits).
          const holder = await liveLeaseHolder(db);
          if (holder) {
            process.stderr.write(
              `${holder}: rebuilding in one transaction (appends wait until it commits; an interruption starts it over). ` +
                "Stop every node first for a resumable rebuild.\n",
            );
          }
          const checkpoint = await db.readRebuildCheckpoint();
          if (checkpoint) {
            process.stdout.write(
              `resuming the rebuild begun ${new Date(checkpoint.startedAt).toISOString()} from log position ${checkpoint.position}\n`,
            );
          }
          const bar = progressReport("rebuilding projections");
          const started = performance.now();
          const project = (events: readonly StoredEvent[]): readonly RowChange[] => projectBatch(tableProjections, events);
          const result = await db.rebuildProjections(project, (p) => bar.update(p.position, p.head), { batchSize: holder ? Number.POSITIVE_INFINITY : opts.batch });
          bar.finish();
          const tables = tableProjections.flatMap((p) => p.tables).join(", ");
          process.stdout.write(
            `rebuilt ${tables} from ${result.head} events in ${Math.round(performance.now() - started)} ms\n`,
          );
          return verifyRebuilt(db, project);
        });
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
