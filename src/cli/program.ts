/**
 * The `certeasy` command tree (reference certeasy-behaviour.md §5): one module per verb group,
 * assembled here. Building it runs nothing; main.ts parses the command line with it.
 */
import { Command } from "commander";
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
import { CERTEASY_VERSION } from "../version.js";

export function buildProgram(): Command {
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
  return program;
}
