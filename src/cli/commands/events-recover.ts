/**
 * `certeasy events recover --from-audit A.log [B.log …] -f config.yml [--dry-run]`: after the
 * database was restored from an older backup, put back the events written since, from the
 * nodes' audit files (src/recovery/recover.ts), then rebuild the projections. The node must
 * not be running: the command takes this workdir's lock (a `serve` on it refuses to start, and
 * the command refuses while one runs) and the writer lease (so no other node appends
 * meanwhile). Exit 0 recovered or nothing to recover, 1 refused (the reason on stderr), 2 usage.
 */
import { hostname } from "node:os";
import type { Command } from "commander";
import { projectBatch, tableProjections } from "../../../projections/index.js";
import { ensureWorkdir, loadOrCreateServerId } from "../../node/identity.js";
import { lockWorkdir } from "../../node/workdir-lock.js";
import { recoverFromAudit, type RecoveryReport } from "../../recovery/recover.js";
import { readServerId, requireConfigFile, withDatabase } from "../context.js";
import { progressBar } from "../progress.js";
import { EXIT_OK, runCommand } from "../run.js";
import { renderTable } from "../table.js";

interface RecoverFlags {
  readonly file?: string;
  readonly fromAudit: string[];
  readonly dryRun?: boolean;
}

export function registerEventsRecover(events: Command): void {
  events
    .command("recover")
    .description("after a restore from an older backup: put back, from the nodes' audit files, the events the database lacks, then rebuild the projections (node stopped)")
    .requiredOption("--from-audit <files...>", "the audit files of every node that ran since the backup")
    .option("-f, --file <config>", "configuration file")
    .option("--dry-run", "check the files and say what would be recovered; change nothing")
    .action(
      runCommand(async (opts: RecoverFlags) => {
        const config = requireConfigFile(opts.file);
        const dryRun = opts.dryRun === true;
        const importing = progressBar("recovering events");
        const rebuilding = progressBar("rebuilding projections");
        // Each bar ends its line once: the import's before the rebuild draws.
        let importEnded = false;
        const endImport = (): void => {
          if (!importEnded) importing.finish();
          importEnded = true;
        };
        const run = async (serverId: string): Promise<RecoveryReport> =>
          withDatabase(config, (dialect) =>
            recoverFromAudit({
              dialect,
              files: opts.fromAudit,
              dryRun,
              node: { serverId, hostname: hostname(), lease: config.lease },
              clock: () => new Date(),
              project: (batch) => projectBatch(tableProjections, batch),
              onImport: (done, total) => importing.update(done, total),
              onRebuild: (p) => {
                endImport();
                rebuilding.update(p.position, p.head);
              },
            }),
          );
        const report = await (dryRun ? run((await readServerId(config.workdir)) ?? "") : withWorkdirLock(config.workdir, run)).finally(() => {
          endImport();
          rebuilding.finish();
        });
        process.stdout.write(renderReport(report, dryRun, config.file));
        return EXIT_OK;
      }),
    );
}

/** As `serve` would: this workdir's lock and node identity, so the node cannot start meanwhile. */
async function withWorkdirLock<T>(workdir: string, use: (serverId: string) => Promise<T>): Promise<T> {
  await ensureWorkdir(workdir);
  const lock = await lockWorkdir(workdir);
  try {
    return await use((await loadOrCreateServerId(workdir)).serverId);
  } finally {
    await lock.release();
  }
}

function renderReport(report: RecoveryReport, dryRun: boolean, configFile: string): string {
  const { plan, headBefore } = report;
  const out: string[] = [];
  for (const f of report.files) {
    if (f.tornTail) out.push(`${f.path}: its last line is torn (${f.tornTail.reason}); the ${f.lines} intact line(s) before it were used\n`);
  }
  if (plan.events.length === 0) {
    out.push(`nothing to recover: the audit files carry no event beyond the database's head (position ${headBefore.position})\n`);
    return out.join("");
  }
  const first = plan.events[0]?.gp ?? 0;
  const last = plan.events.at(-1)?.gp ?? 0;
  const verb = dryRun ? "would recover" : "recovered";
  out.push(`${verb} ${plan.events.length} event(s), positions ${first}–${last}, after the database's head (position ${headBefore.position}):\n`);
  out.push(renderTable(["audit file", "server_id", "events", "positions"], plan.files.map((f) => [f.path, f.serverId ?? "-", String(f.events), f.positions])));
  if (plan.duplicates > 0) out.push(`${plan.duplicates} event(s) were in more than one file, identical in each\n`);
  if (dryRun) {
    out.push(`dry run: nothing was changed; run it again without --dry-run, with every node stopped\n`);
    return out.join("");
  }
  for (const node of report.registered) out.push(`registered node ${node} (it first booted after the backup)\n`);
  out.push(`log head now position ${report.headAfter.position}, hash ${report.headAfter.hash}\n`);
  out.push(`projections rebuilt from ${report.rebuiltFrom ?? 0} events\n`);
  out.push(`check with \`certeasy audit verify -f ${configFile}\`, then start the node\n`);
  return out.join("");
}
