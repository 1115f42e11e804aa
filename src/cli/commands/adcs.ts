/**
 * `certeasy adcs check -f config.yml [--authority NAME]` (behaviour reference §5, issue 4 "PKI
 * health"): the preflight of every configured authority, offline — it reads the configuration
 * and talks to the CAs, and needs neither the database nor a running server. It requests no
 * certificate and creates nothing.
 *
 *   adcs-cli      certutil and certreq present, certutil -ping, template published, scratch dir
 *   adcs-certsrv  TLS, authentication, Web Enrollment pages, template offered, CA chain
 *   local         the CA files open, and the self-check the server runs every minute
 *
 * One line per authority and check, `PASS|FAIL <authority>: <check>: <reason>`; exit 0 only
 * when every check passes.
 */
import type { Command } from "commander";
import { preflightLocal } from "../../acme/local-preflight.js";
import { preflightAdcsCertsrv } from "../../ca/adcs-certsrv/preflight.js";
import { type PreflightCheck, preflightAdcsCli } from "../../ca/adcs-cli/preflight.js";
import type { AuthorityConfig, CerteasyConfig } from "../../config/index.js";
import { requireConfigFile } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, UsageError, runCommand } from "../run.js";

export function registerAdcs(program: Command): void {
  const adcs = program.command("adcs").description("Microsoft AD CS and the other certificate authorities");
  adcs
    .command("check")
    .description("preflight every authority: adcs-cli (certutil, certreq, ping, template), adcs-certsrv (TLS, login, pages, template, chain), local (CA files, self-check)")
    .option("-f, --file <config>", "configuration file")
    .option("--authority <name>", "check only this authority")
    .action(
      runCommand(async (opts: { file?: string; authority?: string }) => {
        const config = requireConfigFile(opts.file);
        let failures = 0;
        for (const authority of chosen(config.authorities, opts.authority)) {
          for (const check of await preflight(authority, config)) {
            if (!check.ok) failures++;
            process.stdout.write(`${check.ok ? "PASS" : "FAIL"} ${authority.name}: ${check.name}: ${check.detail}\n`);
          }
        }
        process.stdout.write(failures === 0 ? "all checks passed\n" : `${failures} check(s) failed\n`);
        return failures === 0 ? EXIT_OK : EXIT_FAILURE;
      }),
    );
}

async function preflight(authority: AuthorityConfig, config: CerteasyConfig): Promise<readonly PreflightCheck[]> {
  const now = () => new Date();
  switch (authority.type) {
    case "adcs-cli":
      return preflightAdcsCli({
        name: authority.name,
        caName: authority.caName,
        template: authority.certificateTemplate,
        certreqPath: authority.certreqPath,
        certutilPath: authority.certutilPath,
        workdir: config.workdir,
        timeoutMs: authority.defaultTimeoutMs,
        now,
      });
    case "adcs-certsrv":
      return preflightAdcsCertsrv({
        name: authority.name,
        url: authority.url,
        template: authority.certificateTemplate,
        auth: authority.auth,
        username: authority.username,
        password: authority.password,
        caBundle: authority.caBundle,
        timeoutMs: authority.defaultTimeoutMs,
        now,
      });
    case "local":
      return preflightLocal(authority, config.authorities, { workdir: config.workdir, now });
  }
}

function chosen(authorities: readonly AuthorityConfig[], name: string | undefined): readonly AuthorityConfig[] {
  if (name === undefined) return authorities;
  const named = authorities.find((a) => a.name === name);
  if (!named) throw new UsageError(`--authority ${name}: no authority of that name (configured: ${authorities.map((a) => a.name).join(", ")})`);
  return [named];
}
