/**
 * `npm run interop`: the ACME clients operators actually run — Debian's certbot, lego,
 * dehydrated, uacme, lacme, acmetool, acme-tiny, Caddy, golang.org/x/crypto/acme (what
 * cert-manager is built on) and the Ruby acme-client gem (GitLab's) — against a freshly started Certeasy, over
 * loopback only. Names live under .test (RFC 2606) and resolve through pebble-challtestsrv. One
 * line per scenario, `N passed, N failed` at the end, exit 1 on any failure. Every child process
 * and the temp dir are gone when it ends, whatever the outcome. `npm run interop -- --only uacme,caddy` plays
 * those clients' scenarios alone (both servers still start and stop).
 */
import { chmod, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../e2e/children.js";
import { acmeTinyEabScenario, acmeTinyScenarios } from "./acme-tiny.js";
import { acmetoolEabScenario, acmetoolScenarios } from "./acmetool.js";
import { caddyEabScenarios, caddyScenarios } from "./caddy.js";
import { startCerteasy, type CerteasyServer } from "./certeasy-server.js";
import { certbotScenarios } from "./certbot.js";
import { startDnsServer, type DnsServer } from "./challtestsrv.js";
import type { InteropContext } from "./context.js";
import { dehydratedEabScenario, dehydratedScenarios } from "./dehydrated.js";
import { eabScenarios } from "./eab.js";
import { lacmeEabScenario, lacmeScenarios } from "./lacme.js";
import { legoScenarios } from "./lego.js";
import { allocatePorts, withNewAcmePort, type InteropPorts } from "./ports.js";
import { killAll, runProgram } from "./processes.js";
import { hasRubyAcmeClient, rubyAcmeClientEabScenario, rubyAcmeClientScenarios } from "./ruby-acme-client.js";
import { ScenarioFailure, formatResult, formatSummary, runScenario, tail, type Scenario, type ScenarioResult } from "./scenario.js";
import { uacmeEabScenario, uacmeScenarios } from "./uacme.js";
import { XCRYPTO_ACME_SOURCE, hasXcryptoSource, xcryptoAcmeEabScenarios, xcryptoAcmeScenarios } from "./x-crypto-acme.js";

const REQUIRED_PROGRAMS = ["certbot", "lego", "pebble-challtestsrv", "openssl", "dehydrated", "uacme", "lacme", "lacme-accountd", "acmetool", "acme-tiny", "caddy", "go", "ruby"] as const;
const SERVER_LOG_LINES = 20;
/** a log line with a stack can be long: enough of it to find the cause */
const MAX_LOG_LINE = 800;

const results: ScenarioResult[] = [];

const CLIENTS = ["certbot", "lego", "dehydrated", "uacme", "lacme", "acmetool", "acme-tiny", "caddy", "x-crypto-acme", "ruby-acme-client"] as const;
type Client = (typeof CLIENTS)[number];

/** `--only a,b`: the clients to play; every one without it. */
function chosenClients(argv: readonly string[]): ReadonlySet<Client> {
  const at = argv.indexOf("--only");
  if (at === -1) return new Set(CLIENTS);
  const names = (argv[at + 1] ?? "").split(",").filter((name) => name !== "");
  const unknown = names.filter((name) => !(CLIENTS as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) throw new Error(`--only takes a comma-separated list of ${CLIENTS.join(", ")}; got "${argv[at + 1] ?? ""}"`);
  return new Set(names as Client[]);
}

/** Run one scenario and print its line; on failure, its evidence and the server's log meanwhile. */
async function play(scenario: Scenario, server?: CerteasyServer): Promise<ScenarioResult> {
  const mark = server?.stderr().length ?? 0;
  const result = await runScenario(scenario);
  results.push(result);
  console.log(formatResult(result));
  if (!result.passed) {
    if (result.evidence) console.log(`  client output:\n${result.evidence}`);
    if (server !== undefined) {
      const during = server.stderr().slice(mark);
      // Nothing logged meanwhile (the client stopped before reaching the server): the last few
      // lines still show whether the server is alive.
      const [log, count, when] = during.trim() !== "" ? [during, SERVER_LOG_LINES, " during the scenario"] : [server.stderr(), 5, ", none during the scenario"];
      console.log(`  server stderr (last ${count} lines${when}):\n${tail(log, count, MAX_LOG_LINE)}`);
    }
  }
  return result;
}

/** The programs missing, and the two libraries the run drives without a program of their own. */
async function missingPrograms(): Promise<string[]> {
  const found = await Promise.all(REQUIRED_PROGRAMS.map(async (name) => (await runProgram("sh", ["-c", `command -v ${name}`], { timeoutMs: 5000 })).code === 0));
  const missing: string[] = REQUIRED_PROGRAMS.filter((_, index) => !found[index]);
  if (!(await hasXcryptoSource())) missing.push(`golang.org/x/crypto/acme (${XCRYPTO_ACME_SOURCE})`);
  if (!(await hasRubyAcmeClient())) missing.push("ruby-acme-client (the acme-client gem)");
  return missing;
}

/** lego's exec provider runs a program: a wrapper naming this node binary and our hook. */
async function writeDnsHook(workspace: string): Promise<string> {
  const quote = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;
  const path = join(workspace, "lego-dns-hook");
  await writeFile(path, `#!/bin/sh\nexec ${quote(process.execPath)} ${quote(join(REPO_ROOT, "test/interop/lego-dns-hook.mjs"))} "$@"\n`);
  await chmod(path, 0o755);
  return path;
}

/** Start a server, play its client scenarios, stop it: the stop is a scenario of its own. */
async function session(
  label: string,
  workspace: string,
  ports: InteropPorts,
  dns: DnsServer,
  externalAccountBinding: "optional" | "required",
  scenarios: (context: InteropContext) => Promise<Scenario[]>,
): Promise<void> {
  let server: CerteasyServer | undefined;
  const started = await play({
    name: `certeasy serve starts (${label})`,
    run: async () => {
      try {
        server = await startCerteasy(join(workspace, "server"), { ports, externalAccountBinding });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const [first = "", ...rest] = message.split("\n");
        throw new ScenarioFailure(first, tail(rest.join("\n"), SERVER_LOG_LINES));
      }
    },
  });
  if (!started.passed || server === undefined) return;
  const running = server;
  const rootCa = await readFile(running.rootCaPath, "utf8");
  const dnsHookPath = await writeDnsHook(workspace);
  const context: InteropContext = { server: running, rootCa, dns, ports, workspace, dnsHookPath };
  for (const scenario of await scenarios(context)) await play(scenario, running);
  await play(
    {
      name: `certeasy serve stops on SIGTERM with exit 0 (${label})`,
      run: async () => {
        const exit = await running.stop();
        if (exit.code !== 0) throw new ScenarioFailure(`serve ended with ${exit.code ?? exit.signal}, expected exit 0`);
      },
    },
    running,
  );
}

async function main(): Promise<number> {
  const only = chosenClients(process.argv.slice(2));
  const missing = await missingPrograms();
  if (missing.length > 0) {
    console.log(`FAIL prerequisites: ${missing.join(", ")} not installed (apt-get install certbot lego pebble openssl dehydrated uacme lacme lacme-accountd acmetool acme-tiny caddy golang-go golang-golang-x-crypto-dev ruby-acme-client)`);
    console.log("0 passed, 1 failed");
    return 1;
  }
  const workspace = await mkdtemp(join(tmpdir(), "certeasy-interop-"));
  const cleanup = async (): Promise<void> => {
    await killAll();
    await rm(workspace, { recursive: true, force: true });
  };
  // Ctrl-C or a CI timeout: leave no server, DNS server or client behind, nor the temp dir.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.log(`\ninterrupted by ${signal}: cleaning up`);
      void cleanup().finally(() => process.exit(1));
    });
  }
  const started = performance.now();
  let dns: DnsServer | undefined;
  try {
    const ports = await allocatePorts();
    try {
      dns = await startDnsServer(ports.dns, ports.dnsManagement);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await play({ name: "pebble-challtestsrv starts", run: () => Promise.reject(new ScenarioFailure(message.split("\n")[0] ?? "", tail(message, 10))) });
      return 1;
    }
    // Each client's scenarios without and with a required binding (certbot's and lego's EAB
    // scenarios are in eab.ts).
    const byClient: Record<Client, { open(context: InteropContext): Promise<Scenario[]>; eab(context: InteropContext): Scenario[] }> = {
      certbot: { open: (context) => certbotScenarios(context), eab: (context) => eabScenarios(context).filter((s) => /\bcertbot\b/.test(s.name)) },
      lego: { open: async (context) => legoScenarios(context), eab: (context) => eabScenarios(context).filter((s) => /\blego\b/.test(s.name)) },
      dehydrated: { open: (context) => dehydratedScenarios(context), eab: (context) => [dehydratedEabScenario(context)] },
      uacme: { open: (context) => uacmeScenarios(context), eab: (context) => [uacmeEabScenario(context)] },
      lacme: { open: (context) => lacmeScenarios(context), eab: (context) => [lacmeEabScenario(context)] },
      caddy: { open: async (context) => caddyScenarios(context), eab: (context) => caddyEabScenarios(context) },
      acmetool: { open: (context) => acmetoolScenarios(context), eab: (context) => [acmetoolEabScenario(context)] },
      "acme-tiny": { open: (context) => acmeTinyScenarios(context), eab: (context) => [acmeTinyEabScenario(context)] },
      "x-crypto-acme": { open: (context) => xcryptoAcmeScenarios(context), eab: (context) => xcryptoAcmeEabScenarios(context) },
      "ruby-acme-client": { open: (context) => rubyAcmeClientScenarios(context), eab: (context) => [rubyAcmeClientEabScenario(context)] },
    };
    const chosen = CLIENTS.filter((client) => only.has(client)).map((client) => byClient[client]);
    const open = async (context: InteropContext): Promise<Scenario[]> => {
      const scenarios: Scenario[] = [];
      for (const client of chosen) scenarios.push(...(await client.open(context)));
      return scenarios;
    };
    await session("EAB optional", join(workspace, "open"), ports, dns, "optional", open);
    await session("EAB required", join(workspace, "eab"), await withNewAcmePort(ports), dns, "required", async (context) =>
      chosen.flatMap((client) => client.eab(context)),
    );
  } finally {
    await dns?.stop();
    await cleanup();
  }
  console.log(formatSummary(results));
  console.log(`interop run took ${((performance.now() - started) / 1000).toFixed(1)}s`);
  return results.every((result) => result.passed) ? 0 : 1;
}

process.exitCode = await main();
