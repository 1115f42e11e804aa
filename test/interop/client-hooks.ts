/**
 * The hook scripts an operator writes for the shell-friendly clients, in the run's workspace.
 * They publish dns-01 TXT records (RFC 8555 §8.4) the way lego's exec provider does: through
 * the run's DNS hook (`present|cleanup <fqdn> <value>`, lego-dns-hook.mjs), which talks to
 * pebble-challtestsrv's management API named by CHALLTESTSRV_URL in the client's environment.
 */
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A single-quoted shell word. */
export const shellQuote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

async function writeScript(path: string, lines: readonly string[]): Promise<string> {
  await writeFile(path, `${lines.join("\n")}\n`);
  await chmod(path, 0o755);
  return path;
}

/**
 * dehydrated's hook (its `--hook`), used for dns-01 only: http-01 files go to its WELLKNOWN
 * folder without a hook. With HOOK_CHAIN=no (the default) dehydrated calls
 * `deploy_challenge <name> <token> <TXT value>` once per authorization — for `*.x` and `x` both
 * with `x`, two values at one name — and `clean_challenge` the same way after validation. Every
 * other hook dehydrated calls (deploy_cert, exit_hook, …) has nothing to do in this run.
 */
export function writeDehydratedHook(path: string, dnsHookPath: string): Promise<string> {
  const dns = shellQuote(dnsHookPath);
  return writeScript(path, [
    "#!/bin/sh",
    'case "$1" in',
    `  deploy_challenge) exec ${dns} present "_acme-challenge.$2." "$4" ;;`,
    `  clean_challenge) exec ${dns} cleanup "_acme-challenge.$2." "$4" ;;`,
    "  *) exit 0 ;;",
    "esac",
  ]);
}

/**
 * uacme's hook (`-h`), in the shape of the uacme.sh it ships: called as
 * `<begin|done|failed> <type> <identifier> <token> <key authorization>` (for dns-01 the
 * authorization's base64url SHA-256 digest, the TXT value). It accepts only the challenge type
 * INTEROP_CHALLENGE names and declines the others (exit 1), so uacme moves to the next type the
 * server offers. http-01 answers are files in INTEROP_WEBROOT, served by the run's webroot.
 */
export function writeUacmeHook(path: string, dnsHookPath: string): Promise<string> {
  const dns = shellQuote(dnsHookPath);
  return writeScript(path, [
    "#!/bin/sh",
    'method=$1 type=$2 ident=$3 token=$4 auth=$5',
    '[ "$type" = "$INTEROP_CHALLENGE" ] || exit 1',
    'case "$method:$type" in',
    `  begin:http-01) printf '%s' "$auth" > "$INTEROP_WEBROOT/$token" ;;`,
    '  done:http-01|failed:http-01) rm -f "$INTEROP_WEBROOT/$token" ;;',
    `  begin:dns-01) exec ${dns} present "_acme-challenge.$ident." "$auth" ;;`,
    `  done:dns-01|failed:dns-01) exec ${dns} cleanup "_acme-challenge.$ident." "$auth" ;;`,
    "  *) exit 1 ;;",
    "esac",
  ]);
}

/**
 * acmetool's hook (a file in its `--hooks` folder; it runs every one there as
 * `<event> <args…>`, exit 42 meaning "not mine"): `challenge-dns-start|stop <name> <target file>
 * <TXT value>` — `<name>` without the `*.` of a wildcard — publishes or removes the dns-01
 * record; `live-updated` gets the names whose `live/` link changed on stdin, one a line, which
 * are appended to `liveLog`. http-01 answers are files acmetool writes to its webroot itself.
 * Named `reload`, it is the operator's own: `acmetool quickstart` leaves a `reload` hook it
 * did not write in place, instead of installing its own, which reloads the machine's web and
 * mail servers.
 */
export function writeAcmetoolHook(hooksFolder: string, dnsHookPath: string, liveLog: string): Promise<string> {
  const dns = shellQuote(dnsHookPath);
  return writeScript(join(hooksFolder, "reload"), [
    "#!/bin/sh",
    'case "$1" in',
    `  challenge-dns-start) exec ${dns} present "_acme-challenge.$2." "$4" ;;`,
    `  challenge-dns-stop) exec ${dns} cleanup "_acme-challenge.$2." "$4" ;;`,
    `  live-updated) cat >> ${shellQuote(liveLog)} ;;`,
    "  *) exit 42 ;;",
    "esac",
  ]);
}

/**
 * certbot's `--manual-auth-hook` and `--manual-cleanup-hook` for dns-01: certbot runs them once
 * per authorization with CERTBOT_DOMAIN (a wildcard's without its `*.`, so `*.x` and `x` both
 * publish at `_acme-challenge.x`) and CERTBOT_VALIDATION (the TXT value) in the environment. It
 * runs every auth hook before answering any challenge, so both values are up together.
 */
export async function writeCertbotDnsHooks(folder: string, dnsHookPath: string): Promise<{ auth: string; cleanup: string }> {
  const dns = shellQuote(dnsHookPath);
  const hook = (action: string): string[] => ["#!/bin/sh", `exec ${dns} ${action} "_acme-challenge.$CERTBOT_DOMAIN." "$CERTBOT_VALIDATION"`];
  return {
    auth: await writeScript(join(folder, "certbot-dns-auth"), hook("present")),
    cleanup: await writeScript(join(folder, "certbot-dns-cleanup"), hook("cleanup")),
  };
}
