/**
 * `certeasy projections rebuild -f config.yml`: truncate every projection table and replay the
 * whole log through the same projection operators the writer runs inline (DESIGN invariant 1).
 * It runs in one transaction holding the log head lock, so appends wait and readers see the old
 * rows until it commits.
 */
import type { Command } from "commander";
import { projectBatch, tableProjections } from "../../../projections/index.js";
import { requireConfigFile, withDatabase } from "../context.js";
import { progressBar } from "../progress.js";
import { EXIT_OK, runCommand } from "../run.js";

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
}
