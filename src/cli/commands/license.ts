/**
 * `certeasy license install|show -f config.yml` (behaviour reference §5, §8). `install FILE
 * [--force]` verifies the license (Ed25519 signature, expiry) and its fit with the configuration,
 * then records it as an event — through the running server's admin channel, or on a node core
 * booted here when no server runs; a refusal is recorded too and exits 1. `show` prints the plan
 * in force, its dates and limits, and the usage measured against them. Certeasy never contacts a
 * licensing backend: there is no `refresh` or `register`.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { licenseProjection } from "../../../projections/index.js";
import { AdminChannelError, withAdminSession, type AdminPath, type LicenseAdmin } from "../../admin/index.js";
import type { CerteasyConfig } from "../../config/index.js";
import { formatMaxManagedServers } from "../../domain/license/index.js";
import { LicenseRejectedError, LicenseService, licensedConfiguration, loadTrustedKeys, type InstalledLicenseSummary, type LicenseStatus } from "../../license/index.js";
import { offlineAdminNodeOptions, operatorName, requireConfigFile } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, runCommand, UsageError } from "../run.js";
import { rfc3339 } from "../table.js";

export function registerLicense(program: Command): void {
  const license = program.command("license").description("the license: install one, show the limits in force and their usage");

  license
    .command("install")
    .description("verify a license file and install it")
    .argument("<file>", "the license file (a compact JWS, bare or in a CERTEASY LICENSE block)")
    .option("-f, --file <config>", "configuration file")
    .option("--force", "install even if the configuration does not fit it (the server then refuses to boot until it does)", false)
    .action(
      runCommand(async (file: string, opts: { file?: string; force: boolean }) => {
        const config = requireConfigFile(opts.file);
        const text = await readLicenseFile(file);
        return withLicenseAdmin(config, async (admin, path) => {
          process.stdout.write(installedText(await admin.install({ text, force: opts.force }), path));
          return EXIT_OK;
        });
      }),
    );

  license
    .command("show")
    .description("plan, expiry, limits and current usage (managed servers, authorities, database driver)")
    .option("-f, --file <config>", "configuration file")
    .action(
      runCommand(async (opts: { file?: string }) =>
        withLicenseAdmin(requireConfigFile(opts.file), async (admin) => {
          process.stdout.write(statusText(await admin.status()));
          return EXIT_OK;
        }),
      ),
    );
}

async function readLicenseFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(`cannot read the license file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

async function withLicenseAdmin(config: CerteasyConfig, use: (admin: LicenseAdmin, path: AdminPath) => Promise<number>): Promise<number> {
  const keys = await loadTrustedKeys(config.license);
  const projection = licenseProjection();
  try {
    return await withAdminSession<LicenseAdmin, number>(
      {
        workdir: config.workdir,
        operator: operatorName(),
        node: () => ({ ...offlineAdminNodeOptions(config), memoryProjections: [projection] }),
        viaServer: (client) => client.license,
        offline: (core) =>
          new LicenseService({ writer: core.writer, state: () => core.live.state(projection), keys, config: licensedConfiguration(config), clock: core.clock }),
      },
      use,
    );
  } catch (error) {
    if (!(error instanceof LicenseRejectedError || error instanceof AdminChannelError)) throw error;
    process.stderr.write(`certeasy: ${error instanceof LicenseRejectedError ? `license refused (${error.reason}): ` : ""}${error.message}\n`);
    return EXIT_FAILURE;
  }
}

const at = (iso: string | null): string => (iso === null ? "-" : rfc3339(Date.parse(iso)));

function installedText({ status, signedBy, misfits }: InstalledLicenseSummary, path: AdminPath): string {
  const lines = [
    `Installed license ${status.licenseId ?? "?"} (${status.licensePlan ?? status.plan})${path === "server" ? " through the running server: it applies now" : ""}.`,
    `  signed by:  ${signedBy}`,
    "",
    statusText(status),
  ];
  if (misfits.length > 0) {
    lines.push("Installed with --force although the configuration does not fit it: the server refuses to boot until it does.", "");
  }
  return lines.join("\n");
}

function statusText(status: LicenseStatus): string {
  const { limits, usage } = status;
  const standing = {
    none: "no license installed: the Free plan applies",
    valid: `valid until ${at(status.expiresAt)}`,
    grace: `expired at ${at(status.expiresAt)}; the server can still boot until ${at(status.graceEndsAt)}`,
    lapsed: `expired at ${at(status.expiresAt)}, boot grace over since ${at(status.graceEndsAt)}: the Free plan's limits apply and the server refuses to boot`,
  }[status.standing];
  const lines = [
    `plan:        ${status.plan}${status.licenseId === null ? "" : ` (license ${status.licenseId}, plan ${status.licensePlan ?? "?"})`}`,
    `status:      ${standing}`,
    ...(status.licenseId === null ? [] : [`issued:      ${at(status.issuedAt)}`, `installed:   ${at(status.installedAt)}`]),
    "",
    "                    in use   allowed",
    `managed servers     ${String(usage.managedServers).padEnd(9)}${formatMaxManagedServers(limits.maxManagedServers)}`,
    `authorities         ${String(usage.authorities).padEnd(9)}${limits.maxCas}`,
    `database driver     ${usage.driver.padEnd(9)}${limits.allowedDbs.join(", ")}`,
    "",
  ];
  if (status.misfits.length > 0) {
    lines.push("The configuration does not fit these limits (the server refuses to boot):", ...status.misfits.map((m) => `  - ${m.reason}: ${m.detail}`), "");
  }
  return lines.join("\n");
}
