/**
 * `certeasy adcs check -f config.yml [--authority NAME]` (behaviour reference §5): the ADCS
 * preflight, offline — it reads the configuration and runs certutil, and needs neither the
 * database nor a running server. One line per check; exit 0 only when every check passes.
 */
import type { Command } from "commander";
import { preflightAdcsCli } from "../../ca/adcs-cli/preflight.js";
import type { AuthorityConfig } from "../../config/index.js";
import { requireConfigFile } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, UsageError, runCommand } from "../run.js";

type AdcsCliConfig = Extract<AuthorityConfig, { readonly type: "adcs-cli" }>;

export function registerAdcs(program: Command): void {
  const adcs = program.command("adcs").description("Microsoft AD CS authorities");
  adcs
    .command("check")
    .description("preflight every adcs-cli authority: certutil and certreq present, CA reachable, template published, scratch directory writable")
    .option("-f, --file <config>", "configuration file")
    .option("--authority <name>", "check only this authority")
    .action(
      runCommand(async (opts: { file?: string; authority?: string }) => {
        const config = requireConfigFile(opts.file);
        const targets = chosen(config.authorities, opts.authority);
        if (targets.length === 0) {
          process.stdout.write(`${config.file}: no adcs-cli authority to check\n`);
          return EXIT_OK;
        }
        let failures = 0;
        for (const authority of targets) {
          const checks = await preflightAdcsCli({
            name: authority.name,
            caName: authority.caName,
            template: authority.certificateTemplate,
            certreqPath: authority.certreqPath,
            certutilPath: authority.certutilPath,
            workdir: config.workdir,
            timeoutMs: authority.defaultTimeoutMs,
            now: () => new Date(),
          });
          for (const check of checks) {
            if (!check.ok) failures++;
            process.stdout.write(`${check.ok ? "PASS" : "FAIL"} ${authority.name}: ${check.name}: ${check.detail}\n`);
          }
        }
        process.stdout.write(failures === 0 ? "all checks passed\n" : `${failures} check(s) failed\n`);
        return failures === 0 ? EXIT_OK : EXIT_FAILURE;
      }),
    );
}

function chosen(authorities: readonly AuthorityConfig[], name: string | undefined): AdcsCliConfig[] {
  const adcs = authorities.filter((a): a is AdcsCliConfig => a.type === "adcs-cli");
  if (name === undefined) return adcs;
  const named = authorities.find((a) => a.name === name);
  if (!named) throw new UsageError(`--authority ${name}: no authority of that name (configured: ${authorities.map((a) => a.name).join(", ")})`);
  if (named.type !== "adcs-cli") throw new UsageError(`--authority ${name}: it is of type ${named.type}, not adcs-cli`);
  return [named];
}
