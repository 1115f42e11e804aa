/**
 * `certeasy eab create|list|revoke -f config.yml`: the external account binding keys of RFC 8555
 * §7.3.4. `create` prints the key id and the HMAC key once, with the flags ACME clients take;
 * `list` never shows a key; `revoke` stops a key from binding new accounts (accounts it bound
 * stay valid). Through the running server's admin channel, or offline when no server runs
 * (src/admin/eab-session.ts). Exit 0 ok, 1 failure, 2 usage.
 */
import type { Command } from "commander";
import {
  canonicalNameRules,
  canonicalProfiles,
  EabKeyDecryptionError,
  EabKeyNotFoundError,
  EabRequestError,
  KeyEncryptionKeyError,
  type CreatedEabKey,
  type EabKeySummary,
  type RevokedEabKey,
} from "../../acme/eab/index.js";
import { AdminChannelError, withEabAdmin, type EabAdmin, type EabAdminPath } from "../../admin/index.js";
import type { CerteasyConfig } from "../../config/index.js";
import { acmePaths } from "../../http/acme-paths.js";
import { offlineAdminNodeOptions, operatorName, requireConfigFile } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, runCommand, UsageError } from "../run.js";
import { renderTable, rfc3339 } from "../table.js";

const MAX_NOTE = 256;

/** Refusals whose message is written for the operator: printed as they are, exit 1. */
const operatorFailures = [EabKeyNotFoundError, EabRequestError, AdminChannelError, KeyEncryptionKeyError, EabKeyDecryptionError];

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerEab(program: Command): void {
  const eab = program.command("eab").description("external account binding keys (RFC 8555 §7.3.4)");

  eab
    .command("create")
    .description("create a key; prints its key id and HMAC key once")
    .option("-f, --file <config>", "configuration file")
    .option("--name <rule>", "a name the bound account may order: host.example.com, *.example.com, .example.com or an IP (repeatable)", collect, [])
    .option("--profile <name>", "a profile the bound account may order (repeatable)", collect, [])
    .option("--note <text>", "who or what the key is for")
    .action(
      runCommand(async (opts: { file?: string; name: string[]; profile: string[]; note?: string }) => {
        const names = canonicalNameRules(opts.name);
        if (!names.ok) throw new UsageError(`--name: ${names.detail}`);
        const profiles = canonicalProfiles(opts.profile);
        if (!profiles.ok) throw new UsageError(`--profile: ${profiles.detail}`);
        const note = opts.note?.trim() || null;
        if (note !== null && note.length > MAX_NOTE) throw new UsageError(`--note: at most ${MAX_NOTE} characters`);
        const config = requireConfigFile(opts.file);
        return withAdmin(config, async (admin, path) => {
          const created = await admin.createKey({ allowedNames: names.rules, allowedProfiles: profiles.profiles, note });
          process.stdout.write(createdText(created, directoryUrl(config), path));
          return EXIT_OK;
        });
      }),
    );

  eab
    .command("list")
    .description("every key: id, created, status, bound account, scope, note (never the key)")
    .option("-f, --file <config>", "configuration file")
    .action(
      runCommand(async (opts: { file?: string }) =>
        withAdmin(requireConfigFile(opts.file), async (admin) => {
          process.stdout.write(listText(await admin.listKeys()));
          return EXIT_OK;
        }),
      ),
    );

  eab
    .command("revoke")
    .description("stop a key from binding new accounts (accounts it bound stay valid)")
    .argument("<keyId>", "the key id `eab create` printed")
    .option("-f, --file <config>", "configuration file")
    .action(
      runCommand(async (keyId: string, opts: { file?: string }) =>
        withAdmin(requireConfigFile(opts.file), async (admin) => {
          process.stdout.write(revokedText(await admin.revokeKey(keyId)));
          return EXIT_OK;
        }),
      ),
    );
}

async function withAdmin(config: CerteasyConfig, use: (admin: EabAdmin, path: EabAdminPath) => Promise<number>): Promise<number> {
  try {
    return await withEabAdmin(
      {
        workdir: config.workdir,
        operator: operatorName(),
        node: () => offlineAdminNodeOptions(config),
      },
      use,
    );
  } catch (error) {
    if (!operatorFailures.some((type) => error instanceof type)) throw error;
    process.stderr.write(`certeasy: ${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
}

const directoryUrl = (config: CerteasyConfig): string => `${config.server.urls[0]?.href.replace(/\/+$/, "") ?? ""}${acmePaths.directory}`;

const listed = (values: readonly string[]): string => (values.length === 0 ? "any" : values.join(","));

function createdText({ key, hmacKey }: CreatedEabKey, directory: string, path: EabAdminPath): string {
  const kid = key.keyId;
  return [
    `Created EAB key ${kid}${path === "server" ? " (through the running server)" : ""}.`,
    "",
    `  key id:    ${kid}`,
    `  HMAC key:  ${hmacKey}`,
    `  names:     ${listed(key.allowedNames)}`,
    `  profiles:  ${listed(key.allowedProfiles)}`,
    `  note:      ${key.note ?? "-"}`,
    "",
    "The HMAC key is shown only this once: Certeasy keeps it encrypted and cannot print it again.",
    "It binds one ACME account. Client flags:",
    "",
    `  certbot:     --server ${directory} --eab-kid ${kid} --eab-hmac-key=${hmacKey}`,
    `  lego:        --server ${directory} --eab --kid ${kid} --hmac ${hmacKey}`,
    `  acme.sh:     --server ${directory} --eab-kid ${kid} --eab-hmac-key ${hmacKey}`,
    `  uacme:       -a ${directory} -e ${kid}:${hmacKey}`,
    `  dehydrated:  CA="${directory}" EAB_KID="${kid}" EAB_HMAC_KEY="${hmacKey}" (config file)`,
    "",
  ].join("\n");
}

function listText(keys: readonly EabKeySummary[]): string {
  if (keys.length === 0) return "no EAB keys (create one with `certeasy eab create -f <config>`)\n";
  return renderTable(
    ["KEY ID", "CREATED", "STATUS", "ACCOUNT", "NAMES", "PROFILES", "NOTE"],
    keys.map((k) => [k.keyId, rfc3339(k.createdAt), k.status, k.boundAccountId ?? "-", listed(k.allowedNames), listed(k.allowedProfiles), k.note ?? ""]),
  );
}

function revokedText({ key, alreadyRevoked }: RevokedEabKey): string {
  if (alreadyRevoked) return `EAB key ${key.keyId} was already revoked; nothing changed.\n`;
  const bound =
    key.boundAccountId === null
      ? "It had not bound an account."
      : `The account it bound (${key.boundAccountId}) stays valid: revoking a key does not deactivate accounts.`;
  return `Revoked EAB key ${key.keyId}: it can no longer bind a new account. ${bound}\n`;
}
