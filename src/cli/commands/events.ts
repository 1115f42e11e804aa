/**
 * For auditors: `certeasy events export` writes the log as NDJSON, `certeasy events verify`
 * walks the chain — in the database, or in an export file with `--input` (no database
 * needed) — and `events replay` (events-replay.ts) rebuilds the read model from either. An
 * export line is the event envelope plus its `hash`; removing `hash` and writing the rest as
 * canonical JSON gives back the exact body that was hashed: hash = SHA-256(0x00 ‖ body).
 */
import type { Command } from "commander";
import { canonicalJson, type JsonValue } from "../../../events/index.js";
import type { LogProgress } from "../../store/log-source.js";
import { ChainVerifier } from "../../store/verify-chain.js";
import { verifyDatabaseLog, verifyExportFile } from "../../store/verify-log.js";
import { requireConfigFile, withDatabase } from "../context.js";
import { progressBar } from "../progress.js";
import { registerEventsRecover } from "./events-recover.js";
import { registerEventsReplay } from "./events-replay.js";
import { EXIT_FAILURE, EXIT_OK, runCommand, UsageError } from "../run.js";

const BATCH = 1000;

export function registerEvents(program: Command): void {
  const events = program.command("events").description("the event log, for auditors");

  events
    .command("export")
    .description("write the event log to stdout as NDJSON, in position order")
    .option("-f, --file <config>", "configuration file")
    .option("--from <position>", "first position to export", "1")
    .action(
      runCommand(async (opts: { file?: string; from: string }) => {
        const from = Number(opts.from);
        if (!Number.isSafeInteger(from) || from < 1) throw new UsageError(`--from must be a position ≥ 1, got ${opts.from}`);
        const config = requireConfigFile(opts.file);
        await withDatabase(config, async (db) => {
          for (let after = from - 1; ; ) {
            const rows = await db.readAll(after, BATCH);
            if (rows.length === 0) break;
            const text = rows.map((r) => `${exportLine(r.body, r.hash)}\n`).join("");
            if (!process.stdout.write(text)) await new Promise((r) => process.stdout.once("drain", r));
            after = rows[rows.length - 1]?.position ?? after;
          }
        });
        return EXIT_OK;
      }),
    );

  events
    .command("verify")
    .description("check the hash chain of the whole log, in the database or in an export file")
    .option("-f, --file <config>", "configuration file")
    .option("--input <export.ndjson>", "verify an export file instead of the database")
    .action(
      runCommand(async (opts: { file?: string; input?: string }) => {
        const verifier = new ChainVerifier();
        const bar = progressBar("verifying events");
        const walk = { onProgress: (p: LogProgress) => bar.update(p.done, p.total) };
        const fault = opts.input
          ? await verifyExportFile(opts.input, verifier, walk)
          : await withDatabase(requireConfigFile(opts.file), (db) => verifyDatabaseLog(db, verifier, walk));
        bar.finish();
        if (fault) {
          process.stderr.write(`${fault.reason}\n`);
          return EXIT_FAILURE;
        }
        process.stdout.write(`OK — ${verifier.count} events, chain intact, last hash ${verifier.lastHash}\n`);
        return EXIT_OK;
      }),
    );

  registerEventsReplay(events);
  registerEventsRecover(events);
}

function exportLine(body: string, hash: string): string {
  return canonicalJson({ ...(JSON.parse(body) as Record<string, JsonValue>), hash });
}
