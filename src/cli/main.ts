/**
 * `certeasy` command line (reference certeasy-behaviour.md §5). Usage errors exit 2, failures 1,
 * success 0.
 */
import "reflect-metadata";
import { CommanderError } from "commander";
import { buildProgram } from "./program.js";
import { EXIT_USAGE } from "./run.js";

try {
  await buildProgram().parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // help and --version also arrive here, with exit code 0
    process.exitCode = error.exitCode === 0 ? 0 : EXIT_USAGE;
  } else {
    throw error;
  }
}
