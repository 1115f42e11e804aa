/**
 * `certeasy` command line (reference certeasy-behaviour.md §5). One module per verb group;
 * this file only assembles them. Usage errors exit 2, failures 1, success 0.
 */
import "reflect-metadata";
import { Command, CommanderError } from "commander";
import { registerAdcs } from "./commands/adcs.js";
import { registerAudit } from "./commands/audit.js";
import { registerBackup } from "./commands/backup.js";
import { registerEab } from "./commands/eab.js";
import { registerEvents } from "./commands/events.js";
import { registerInit } from "./commands/init.js";
import { registerLicense } from "./commands/license.js";
import { registerMigrate } from "./commands/migrate.js";
import { registerProjections } from "./commands/projections.js";
import { registerServe } from "./commands/serve.js";
import { registerValidate } from "./commands/validate.js";
import { EXIT_USAGE } from "./run.js";
import { CERTEASY_VERSION } from "../version.js";

const program = new Command("certeasy")
  .description("Event-sourced ACME (RFC 8555) server for enterprise CAs")
  .version(CERTEASY_VERSION)
  .showHelpAfterError()
  .exitOverride();

registerInit(program);
registerServe(program);
registerValidate(program);
registerMigrate(program);
registerAudit(program);
registerEvents(program);
registerBackup(program);
registerProjections(program);
registerEab(program);
registerAdcs(program);
registerLicense(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // help and --version also arrive here, with exit code 0
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    throw error;
  }
}
