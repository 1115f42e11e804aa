/**
 * `certeasy audit list-servers` and `certeasy audit verify` (reference §5, DESIGN invariant 7).
 * list-servers also gives each node's role (src/node/shown-role.ts): active (holder of an
 * unexpired writer lease, invariant 8), standby (waiting for the lease, heartbeat recent),
 * stopped (clean stop) or inactive (gone without saying so), and the lease it holds.
 * verify exits 0 when the file is intact and matches the database, 1 with the first broken
 * line and why.
 */
import type { Command } from "commander";
import { verifyAudit } from "../../audit/index.js";
import { readServerId, requireConfigFile, withDatabase } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, runCommand, UsageError } from "../run.js";
import { shownRole } from "../../node/shown-role.js";
import type { LeaseRow, ServerRow } from "../../store/dialect.js";
import { renderTable, rfc3339 } from "../table.js";

/** role and lease cells of one node; the lease cell only for the node the lease row names. */
function roleColumns(server: ServerRow, lease: LeaseRow | null, now: number): [string, string] {
  const role = shownRole(server, lease, now);
  if (lease?.holderServerId !== server.serverId) return [role, "-"];
  return [role, `epoch ${lease.epoch}, ${lease.expiresAt > now ? "expires" : "expired"} ${rfc3339(lease.expiresAt)}`];
}

export function registerAudit(program: Command): void {
  const audit = program.command("audit").description("the per-node audit file and the node registry");

  audit
    .command("list-servers")
    .description("every node that has booted against this database, newest last_seen first, with its role (active = writer-lease holder, standby, stopped, inactive) and lease")
    .option("-f, --file <config>", "configuration file")
    .action(
      runCommand(async (opts: { file?: string }) => {
        const config = requireConfigFile(opts.file);
        const [servers, lease] = await withDatabase(config, (db) => Promise.all([db.listServers(), db.readLease()]));
        const now = Date.now();
        const rows = servers.map((s) => [s.serverId, s.hostname, rfc3339(s.firstSeen), rfc3339(s.lastSeen), ...roleColumns(s, lease, now)]);
        process.stdout.write(renderTable(["server_id", "hostname", "first_seen", "last_seen", "role", "lease"], rows));
        return EXIT_OK;
      }),
    );

  audit
    .command("verify")
    .description("check this node's audit file: its hash chain, and that it matches the database")
    .option("-f, --file <config>", "configuration file")
    .option("--path <file>", "audit file to check (default: audit.path of the config)")
    .action(
      runCommand(async (opts: { file?: string; path?: string }) => {
        const config = requireConfigFile(opts.file);
        if (!config.audit.enabled && !opts.path) throw new UsageError("audit.enabled is false: there is no audit file to verify (pass --path)");
        const path = opts.path ?? config.audit.path;
        // Checked against this workdir's node unless another node's file is named explicitly.
        const serverId = opts.path ? undefined : ((await readServerId(config.workdir)) ?? undefined);
        const result = await withDatabase(config, (store) => verifyAudit({ path, store, ...(serverId ? { serverId } : {}) }));
        if (!result.ok) {
          process.stderr.write(`${path}: ${result.kind}: ${result.reason}\n`);
          return EXIT_FAILURE;
        }
        process.stdout.write(`${path}: OK — ${result.lines} lines, ${result.events} events, chain intact and matching the database\n`);
        if (result.bodiless > 0) {
          process.stdout.write(
            `${path}: ${result.bodiless} event line(s) were written before audit lines carried the event: they verify, but \`events recover\` cannot put those events back\n`,
          );
        }
        return EXIT_OK;
      }),
    );
}
