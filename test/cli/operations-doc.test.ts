/**
 * docs/operations.md is tested by a script (issue 6): every ```sh block preceded by
 * `<!-- tested -->` runs, in the page's order, against a real SQLite installation (its paths
 * put in place of /etc/certeasy/config.yml, /var/lib/certeasy and /backups, `certeasy` being
 * this checkout's CLI) and must exit 0; blocks marked `<!-- tested: syntax -->` (root, systemd)
 * must pass `bash -n`; and every `certeasy …` command written anywhere in the page must exist
 * in the CLI's command tree.
 */
import { spawnSync } from "node:child_process";
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { CERTEASY_BIN } from "../e2e/children.js";
import { buildProgram } from "../../src/cli/program.js";
import { bootAndStop, createInstallation, killLeftoverChildren, REPO_ROOT, type Installation } from "../e2e/harness.js";

const PAGE = join(REPO_ROOT, "docs/operations.md");
const STEP_MS = 180_000;

interface Block {
  readonly mode: "run" | "syntax";
  readonly line: number;
  readonly text: string;
}

/** The ```sh blocks right after a `<!-- tested -->` / `<!-- tested: syntax -->` line. */
function testedBlocks(markdown: string): Block[] {
  const lines = markdown.split("\n");
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- tested(: syntax)? -->$/.exec(lines[i]?.trim() ?? "");
    if (!marker) continue;
    let j = i + 1;
    while (lines[j]?.trim() === "") j++;
    if (lines[j]?.trim() !== "```sh") throw new Error(`docs/operations.md:${i + 1}: a tested marker must be followed by a \`\`\`sh block`);
    const end = lines.findIndex((l, k) => k > j && l.trim() === "```");
    if (end < 0) throw new Error(`docs/operations.md:${j + 1}: unterminated block`);
    blocks.push({ mode: marker[1] ? "syntax" : "run", line: j + 1, text: lines.slice(j + 1, end).join("\n") });
    i = end;
  }
  return blocks;
}

/**
 * The command words of every `certeasy …` in code (spans and blocks): up to two lowercase
 * words before the first option, argument or path.
 */
function mentionedCommands(markdown: string): string[][] {
  const code = [...markdown.matchAll(/```[a-z]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2] ?? "");
  const seen = new Map<string, string[]>();
  for (const chunk of code) {
    for (const m of chunk.matchAll(/(?:^|[\s(|;&])certeasy((?: [a-z][a-z-]*){1,2})/g)) {
      const words = (m[1] ?? "").trim().split(" ");
      seen.set(words.join(" "), words);
    }
  }
  return [...seen.values()];
}

const markdown = await readFile(PAGE, "utf8");
const blocks = testedBlocks(markdown);

let node: Installation;
let backups: string;

beforeAll(async () => {
  node = await createInstallation();
  await bootAndStop(node);
  backups = join(node.workdir, "backups");
  await mkdir(backups);
}, STEP_MS);
afterEach(killLeftoverChildren);
afterAll(async () => node?.cleanup());

/** The block as the test runs it: this installation's paths, this checkout's CLI, stop at the first failure. */
function script(text: string): string {
  const body = text
    .replaceAll("/etc/certeasy/config.yml", node.configPath)
    .replaceAll("/var/lib/certeasy", node.workdir)
    .replaceAll("/backups", backups);
  return [
    "set -euo pipefail",
    `certeasy() { ${JSON.stringify(process.execPath)} ${JSON.stringify(CERTEASY_BIN)} "$@"; }`,
    "set -x",
    body,
  ].join("\n");
}

describe("docs/operations.md", () => {
  it("has tested blocks of both kinds", () => {
    expect(blocks.filter((b) => b.mode === "run").length).toBeGreaterThanOrEqual(5);
    expect(blocks.filter((b) => b.mode === "syntax").length).toBeGreaterThanOrEqual(3);
  });

  it("runs every tested block, in order, against a real SQLite installation", () => {
    for (const block of blocks.filter((b) => b.mode === "run")) {
      const run = spawnSync("bash", ["-c", script(block.text)], { cwd: node.workdir, encoding: "utf8", timeout: STEP_MS });
      expect(run.status, `docs/operations.md:${block.line} failed:\n${run.stderr}\n${run.stdout}`).toBe(0);
    }
  }, 600_000);

  it("has valid shell syntax in the blocks that need root or systemd", () => {
    for (const block of blocks.filter((b) => b.mode === "syntax")) {
      const check = spawnSync("bash", ["-n", "-c", block.text], { encoding: "utf8" });
      expect(check.status, `docs/operations.md:${block.line}: ${check.stderr}`).toBe(0);
    }
  });

  it("names only certeasy commands that exist", () => {
    const commands = mentionedCommands(markdown);
    expect(commands.length).toBeGreaterThan(10);
    // The command tree the CLI parses with, built in this process: spawning one CLI per
    // command cost minutes on a loaded machine, for the same answer.
    const program = buildProgram();
    for (const [first, second] of commands) {
      const group = program.commands.find((c) => c.name() === first);
      expect(group, `certeasy ${first} does not exist`).toBeDefined();
      // A group (audit, events…) must name one of its subcommands; a leaf takes arguments.
      if (second === undefined || group === undefined || group.commands.length === 0) continue;
      expect(group.commands.map((c) => c.name()), `certeasy ${first} ${second} does not exist`).toContain(second);
    }
  });
});
