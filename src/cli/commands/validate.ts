/**
 * `certeasy validate -f config.yml`: the static check `serve` runs first, in the style of
 * `nginx -t` (reference §5). No database, network or writes; files the config names (license
 * public keys) are read.
 */
import type { Command } from "commander";
import { configWarnings } from "../../config/index.js";
import { loadTrustedKeys } from "../../license/index.js";
import { requireConfigFile } from "../context.js";
import { EXIT_OK, runCommand } from "../run.js";

export function registerValidate(program: Command): void {
  program
    .command("validate")
    .description("check a configuration file without starting anything")
    .option("-f, --file <config>", "configuration file")
    .action(
      runCommand(async (opts: { file?: string }) => {
        const config = requireConfigFile(opts.file);
        await loadTrustedKeys(config.license);
        for (const warning of configWarnings(config)) process.stderr.write(`warning: ${warning}\n`);
        process.stdout.write(`${config.file}: configuration is valid\n`);
        return EXIT_OK;
      }),
    );
}
