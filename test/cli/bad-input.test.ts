/**
 * `certeasy validate` on configuration mistakes (DESIGN invariant 10): exit 1, one readable line
 * naming the file and the key (or the line, for a YAML syntax error), never a stack trace; the
 * shipped example is valid; a missing -f is a usage error (exit 2).
 */
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { killLeftoverChildren, REPO_ROOT, runCli, STACK_FRAME, tempDir } from "../e2e/harness.js";

afterEach(killLeftoverChildren);

const TIMEOUT = 45_000;
let dir: string;

beforeAll(async () => {
  dir = await tempDir("certeasy-cli-");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const valid = (extraServerLines: string[] = []): string =>
  ["workdir: /var/lib/certeasy", "server:", "  url:", "    - https://acme.example.test/", ...extraServerLines, ""].join("\n");

interface BrokenConfig {
  readonly what: string;
  readonly text: string;
  /** what the one-line message must point at, besides the file */
  readonly names: RegExp;
}

const broken: readonly BrokenConfig[] = [
  {
    what: "a YAML syntax error (unclosed quote)",
    text: valid(['  listen: "127.0.0.1:8443']),
    names: /line \d+/,
  },
  {
    what: "a duplicate key",
    text: valid(["  listen: 127.0.0.1:8443", "  listen: 127.0.0.1:9443"]),
    names: /server\.listen\b/,
  },
  {
    what: "an unknown key",
    text: valid(["  colour: blue"]),
    names: /server\.colour\b.*unknown key/,
  },
  {
    what: "a value of the wrong type",
    text: valid(["  max-body-bytes: plenty"]),
    names: /server\.max-body-bytes\b.*"plenty"/,
  },
  {
    what: "a missing server.url",
    text: ["workdir: /var/lib/certeasy", "server:", "  listen: 127.0.0.1:8443", ""].join("\n"),
    names: /server\.url\b/,
  },
];

describe("certeasy validate", () => {
  it.each(broken)("refuses $what: exit 1, names the file and the key, no stack trace", async ({ what, text, names }) => {
    const file = join(dir, `${what.replaceAll(/\W+/g, "-")}.yml`);
    await writeFile(file, text);
    const result = await runCli(["validate", "-f", file]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toMatch(names);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stdout).toBe("");
  }, TIMEOUT);

  it("accepts the shipped config.example.yml", async () => {
    const result = await runCli(["validate", "-f", join(REPO_ROOT, "config.example.yml")]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/configuration is valid/);
  }, TIMEOUT);

  it("says a config file is needed when -f is missing (usage error, exit 2)", async () => {
    const result = await runCli(["validate"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/-f/);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  }, TIMEOUT);

  it("names a config file that does not exist", async () => {
    const missing = join(dir, "nowhere.yml");
    const result = await runCli(["validate", "-f", missing]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(missing);
    expect(result.stderr).toMatch(/no such file/);
    expect(result.stderr).not.toMatch(STACK_FRAME);
  }, TIMEOUT);
});
