/**
 * `certeasy init [-o config.yml] [--force]` (reference §5): write a config.yml that runs as it
 * is — the embedded CA on SQLite by default. Flags answer every question, for scripts; on a
 * terminal the same questions are asked, with the flag (or default) as the proposed answer.
 * The text is checked by the loader `serve` uses before anything is written, and an existing
 * file is only replaced with --force. Exit 0 written, 1 refused or invalid, 2 usage.
 */
import { existsSync } from "node:fs";
import { link, rename, rm, writeFile } from "node:fs/promises";
import { createInterface } from "node:readline/promises";
import { resolve } from "node:path";
import { Option, type Command } from "commander";
import { parseConfigText } from "../../config/index.js";
import { defaultListen, initialConfigText, type InitialConfig, type InitialDatabase } from "../../config/initial-config.js";
import { EXIT_FAILURE, EXIT_OK, runCommand, UsageError } from "../run.js";

interface InitOptions {
  output: string;
  force?: boolean;
  workdir: string;
  url: string;
  listen?: string;
  database: InitialDatabase["driver"];
  dsn?: string;
  yes?: boolean;
}

export function registerInit(program: Command): void {
  program
    .command("init")
    .description("write a working config.yml (embedded CA on SQLite unless told otherwise)")
    .option("-o, --output <path>", "the file to write", "./config.yml")
    .option("--force", "replace an existing file")
    .option("--workdir <dir>", "absolute path, or %CONFIGDIR%/… next to the config", "%CONFIGDIR%/.workdir")
    .option("--url <url>", "public https base URL of this server", "https://localhost:8443/")
    .option("--listen <address:port>", "address to listen on (default: loopback for a localhost URL, 0.0.0.0 otherwise)")
    .addOption(new Option("--database <driver>", "database driver").choices(["sqlite", "postgres", "sqlserver"]).default("sqlite"))
    .option("--dsn <dsn>", "connection string (postgres and sqlserver)")
    .option("-y, --yes", "on a terminal too, take the flags and defaults without asking")
    .action(
      runCommand(async (opts: InitOptions) => {
        const output = resolve(opts.output);
        if (existsSync(output) && !opts.force) {
          process.stderr.write(`certeasy: ${output} already exists: pass --force to replace it\n`);
          return EXIT_FAILURE;
        }
        const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true && !opts.yes;
        const answers = interactive ? await ask(opts) : fromFlags(opts);
        const text = initialConfigText(answers, new Date());
        // The same loader as `serve`: a bad URL or path is named by its key, and nothing is written.
        parseConfigText(text, output);
        const partial = `${output}.partial-${process.pid}`;
        // 0600: a DSN may carry a password.
        await writeFile(partial, text, { mode: 0o600, flag: "wx" });
        try {
          // Without --force, link: it fails rather than replace a file created meanwhile.
          if (opts.force) await rename(partial, output);
          else await link(partial, output);
        } finally {
          await rm(partial, { force: true });
        }
        process.stdout.write(`wrote ${output}\nnext: certeasy serve -f ${opts.output}\n`);
        return EXIT_OK;
      }),
    );
}

function fromFlags(opts: InitOptions): InitialConfig {
  return { workdir: opts.workdir, url: opts.url, listen: opts.listen ?? defaultListen(opts.url), database: database(opts.database, opts.dsn) };
}

function database(driver: InitialDatabase["driver"], dsn: string | undefined): InitialDatabase {
  if (driver === "sqlite") {
    if (dsn) throw new UsageError("--dsn is for postgres and sqlserver; SQLite needs none");
    return { driver };
  }
  if (!dsn) throw new UsageError(`--database ${driver} needs --dsn <connection string>`);
  return { driver, dsn };
}

/** The questions, each with the flag's value (or the default) as the answer Enter accepts. */
async function ask(opts: InitOptions): Promise<InitialConfig> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const question = async (prompt: string, proposed: string): Promise<string> =>
    (await rl.question(`${prompt} [${proposed}]: `)).trim() || proposed;
  try {
    const url = await question("Public https URL of this server", opts.url);
    const listen = await question("Listen on", opts.listen ?? defaultListen(url));
    const workdir = await question("Working directory (database, audit file, embedded CA)", opts.workdir);
    const driver = await question("Database: sqlite, postgres or sqlserver", opts.database);
    if (driver !== "sqlite" && driver !== "postgres" && driver !== "sqlserver") throw new UsageError(`unknown database driver ${driver}`);
    const dsn = driver === "sqlite" ? undefined : await question("Connection string", opts.dsn ?? "");
    return { url, listen, workdir, database: database(driver, dsn || undefined) };
  } finally {
    rl.close();
  }
}
