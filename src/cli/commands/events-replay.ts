/**
 * `certeasy events replay --to-sqlite FILE [-f config.yml | --input export.ndjson]`: build the
 * whole read model in a new SQLite file from the log — of the configured database, or of an
 * export an auditor was handed — checking the hash chain as it goes. The events keep their
 * envelopes (positions, ids, times, hashes); the projection tables are filled by the same
 * projection code the server runs. Exit 0 built, 1 refused or a chain fault (the file is then
 * removed), 2 usage.
 */
import type { Command } from "commander";
import { projectBatch, projectionTables, tableProjections } from "../../../projections/index.js";
import type { LogSourceSpec, ReplayResult } from "../../store/replay.js";
import { requireConfigFile, withDatabase } from "../context.js";
import { progressBar } from "../progress.js";
import { EXIT_FAILURE, EXIT_OK, runCommand, UsageError } from "../run.js";
import { renderTable } from "../table.js";

export function registerEventsReplay(events: Command): void {
  events
    .command("replay")
    .description("rebuild the whole read model in a new SQLite file from the log (verifying its chain), for auditors to query")
    .requiredOption("--to-sqlite <file>", "the SQLite database to create; must not exist")
    .option("-f, --file <config>", "replay the log of the configured database")
    .option("--input <export.ndjson>", "replay an `events export` file instead (no database needed)")
    .action(
      runCommand(async (opts: { toSqlite: string; file?: string; input?: string }) => {
        if (opts.file && opts.input) throw new UsageError("pass either -f <config.yml> or --input <export.ndjson>, not both");
        if (!opts.file && !opts.input) throw new UsageError("nothing to replay: pass -f <config.yml> or --input <export.ndjson>");
        // Loaded on use, like the dialects (store/open.ts): other commands never load SQLite.
        const { replayToSqlite } = await import("../../store/replay.js");
        const bar = progressBar("replaying events");
        const replay = (source: LogSourceSpec): Promise<ReplayResult> =>
          replayToSqlite({
            source,
            target: opts.toSqlite,
            project: (batch) => projectBatch(tableProjections, batch),
            onProgress: (p) => bar.update(p.done, p.total),
          });
        const result = opts.input
          ? await replay({ kind: "export", path: opts.input })
          : await withDatabase(requireConfigFile(opts.file), (db) => replay({ kind: "database", db }));
        bar.finish();
        if (!result.ok) {
          process.stderr.write(`${result.fault.reason}\nnothing kept: ${opts.toSqlite} was removed\n`);
          return EXIT_FAILURE;
        }
        try {
          const rows = projectionTables.map((table) => [table, String(result.replica.readProjection(table).length)]);
          process.stdout.write(
            `replayed ${result.events} events into ${opts.toSqlite}: chain intact, last hash ${result.lastHash}\n` +
              renderTable(["table", "rows"], rows),
          );
        } finally {
          result.replica.close();
        }
        return EXIT_OK;
      }),
    );
}
