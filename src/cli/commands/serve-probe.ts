/**
 * `certeasy serve --probe -f config.yml`: what an operator runs on a node before starting it or
 * switching over to it. It checks, touching nothing (no migration, no lease, no file created):
 * the database answers and its migrations are current, the writer lease is free or this
 * node's own, no `projections rebuild` is left unfinished, the audit file agrees with the
 * database, each certificate authority answers, and the server's TLS certificate is available. One line per check; exit 0 when all pass.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import { openConfiguredAdcs } from "../../acme/authorities.js";
import { verifyAudit } from "../../audit/index.js";
import { ensureLocalRootCa, ROOT_CA_CERTIFICATE_FILE, ROOT_CA_KEY_FILE, type LocalRootCa } from "../../ca/local/bootstrap.js";
import type { CerteasyConfig } from "../../config/index.js";
import type { EventStoreDialect, MigrationStatus } from "../../store/dialect.js";
import { cachedCertificateVerdict, SERVER_CERTIFICATE_FILE, SERVER_KEY_FILE } from "../../tls/server-certificate.js";
import { certificateHosts, hostsOfServerUrls } from "../../tls/server-certificate-hosts.js";
import { openConfiguredDatabase, readServerId } from "../context.js";
import { renderTable, rfc3339 } from "../table.js";

export interface ProbeCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));
const pass = (name: string, detail: string): ProbeCheck => ({ name, ok: true, detail });
const fail = (name: string, detail: string): ProbeCheck => ({ name, ok: false, detail });

async function migrationCheck(dialect: EventStoreDialect, config: CerteasyConfig): Promise<{ check: ProbeCheck; status?: MigrationStatus }> {
  try {
    const status = await dialect.migrationStatus();
    const applied = `reachable (${config.database.driver}), ${status.applied.length} migrations applied`;
    if (status.pending.length === 0) return { check: pass("database", `${applied}, none pending`), status };
    const pending = `${status.pending.length} pending (${status.pending.join(", ")})`;
    return {
      check: config.database.noDdl
        ? fail("database", `${applied}, ${pending}: database.noddl is set, so serve refuses to start; apply \`certeasy migrate --sql\``)
        : pass("database", `${applied}, ${pending}: serve applies them at boot`),
      status,
    };
  } catch (error) {
    return { check: fail("database", message(error)) };
  }
}

async function leaseCheck(dialect: EventStoreDialect, serverId: string | null, status: MigrationStatus | undefined, now: number): Promise<ProbeCheck> {
  try {
    const lease = await dialect.readLease();
    if (!lease) return pass("lease", "free: no node has held it yet");
    const held = `server_id ${lease.holderServerId} on host ${lease.holderHostname} (epoch ${lease.epoch})`;
    if (lease.holderServerId === serverId) return pass("lease", `held by this node (epoch ${lease.epoch}): a restart takes it back`);
    if (lease.expiresAt <= now) return pass("lease", `free: last held by ${held}, expired ${rfc3339(lease.expiresAt)}`);
    // A fresh lease held by another node is what a standby host sees: say that `serve --standby`
    // runs there as it is, before the takeover that only a dead holder justifies.
    return fail(
      "lease",
      `held by ${held} until ${rfc3339(lease.expiresAt)}: stop that node first, or start this one with \`serve --standby\` ` +
        "(it waits for the lease and takes over when it expires), or with --force-takeover if that node is dead",
    );
  } catch (error) {
    // Before the lease migration has run there is no lease table, hence no holder.
    if (status && status.pending.length > 0) return pass("lease", "free: the lease table comes with a pending migration");
    return fail("lease", message(error));
  }
}

async function auditCheck(config: CerteasyConfig, dialect: EventStoreDialect, serverId: string | null, status: MigrationStatus | undefined): Promise<ProbeCheck> {
  if (!config.audit.enabled) return pass("audit", "disabled (audit.enabled: false)");
  if (!existsSync(config.audit.path)) return pass("audit", `no audit file yet at ${config.audit.path}: made at first boot`);
  try {
    // Pending migrations may include the one that adds the recorded audit head (servers.audit_lines).
    const migrated = status !== undefined && status.pending.length === 0;
    const result = await verifyAudit({ path: config.audit.path, store: dialect, recordedHead: migrated, ...(serverId ? { serverId } : {}) });
    const unchecked = migrated ? "" : " (recorded audit head not checked: migrations pending)";
    return result.ok
      ? pass("audit", `${result.lines} lines, ${result.events} events, consistent with the database${unchecked}`)
      : fail("audit", `line ${result.line}: ${result.reason}`);
  } catch (error) {
    return fail("audit", message(error));
  }
}

/** The embedded root CA when its files exist; null before the first boot makes it. Never creates. */
async function existingRootCa(workdir: string): Promise<LocalRootCa | null> {
  const dir = join(workdir, "local-ca");
  if (!existsSync(join(dir, ROOT_CA_CERTIFICATE_FILE)) && !existsSync(join(dir, ROOT_CA_KEY_FILE))) return null;
  return ensureLocalRootCa(dir); // both present: loads; one missing: refuses, naming it
}

async function authorityChecks(config: CerteasyConfig, log: Logger): Promise<ProbeCheck[]> {
  return Promise.all(
    config.authorities.map(async (authority): Promise<ProbeCheck> => {
      const name = `authority ${authority.name}`;
      try {
        if (authority.type === "local") {
          const root = await existingRootCa(config.workdir);
          return pass(name, root ? `embedded CA, root at ${root.certificatePath}` : "embedded CA: made at first boot");
        }
        const health = await (await openConfiguredAdcs(authority, { workdir: config.workdir, now: () => new Date(), log })).health();
        return health.healthy ? pass(name, health.detail) : fail(name, health.detail);
      } catch (error) {
        return fail(name, message(error));
      }
    }),
  );
}

async function tlsCheck(config: CerteasyConfig, now: Date): Promise<ProbeCheck> {
  try {
    const root = await existingRootCa(config.workdir);
    if (!root) return pass("tls certificate", "issued at first boot by the embedded root CA");
    const cacheDir = join(config.workdir, "server-certificate-cache");
    const [certChainPem, keyPem] = await Promise.all([
      readFile(join(cacheDir, SERVER_CERTIFICATE_FILE), "utf8"),
      readFile(join(cacheDir, SERVER_KEY_FILE), "utf8"),
    ]).catch(() => [undefined, undefined]);
    if (certChainPem === undefined || keyPem === undefined) return pass("tls certificate", "none cached: issued at boot by the embedded root CA");
    const hosts = certificateHosts(hostsOfServerUrls(config.server.urls.map((u) => u.href)));
    const verdict = cachedCertificateVerdict({ certChainPem, keyPem }, hosts, root, now);
    return pass("tls certificate", verdict.usable ? `cached, valid until ${rfc3339(verdict.notAfter.getTime())}` : `reissued at boot: ${verdict.reason}`);
  } catch (error) {
    return fail("tls certificate", message(error));
  }
}

/** An interrupted `projections rebuild` keeps serve from starting (src/node/schema-gate.ts). */
async function rebuildCheck(dialect: EventStoreDialect, status: MigrationStatus | undefined): Promise<ProbeCheck> {
  try {
    const checkpoint = await dialect.readRebuildCheckpoint();
    if (!checkpoint) return pass("projections", "no unfinished rebuild");
    return fail(
      "projections",
      `a rebuild begun ${rfc3339(checkpoint.startedAt)} was interrupted at log position ${checkpoint.position}: ` +
        "finish it with `certeasy projections rebuild` (it resumes there)",
    );
  } catch (error) {
    // Before its migration there is no checkpoint table, hence no rebuild to finish.
    if (status && status.pending.length > 0) return pass("projections", "no unfinished rebuild (its table comes with a pending migration)");
    return fail("projections", message(error));
  }
}

export async function runBootProbe(config: CerteasyConfig, log: Logger): Promise<readonly ProbeCheck[]> {
  const now = new Date();
  const serverId = await readServerId(config.workdir);
  let dialect: EventStoreDialect | undefined;
  const checks: ProbeCheck[] = [];
  try {
    dialect = await openConfiguredDatabase(config, "existing");
  } catch (error) {
    checks.push(fail("database", message(error)));
  }
  try {
    if (dialect) {
      const { check, status } = await migrationCheck(dialect, config);
      checks.push(check);
      checks.push(await leaseCheck(dialect, serverId, status, now.getTime()));
      checks.push(await rebuildCheck(dialect, status));
      checks.push(await auditCheck(config, dialect, serverId, status));
    } else {
      checks.push(fail("lease", "not checked: no database"), fail("audit", "not checked: no database"));
    }
  } finally {
    await dialect?.close().catch(() => undefined);
  }
  checks.push(...(await authorityChecks(config, log)), await tlsCheck(config, now));
  return checks;
}

export function renderProbe(serverId: string | null, checks: readonly ProbeCheck[]): string {
  const failed = checks.filter((c) => !c.ok).length;
  return (
    `boot probe of ${serverId ? `server_id ${serverId}` : "a node that has not booted yet"}\n` +
    renderTable(["result", "check", "detail"], checks.map((c) => [c.ok ? "ok" : "FAIL", c.name, c.detail])) +
    (failed === 0 ? "probe passed: this node can start\n" : `probe failed: ${failed} check(s) failed\n`)
  );
}
