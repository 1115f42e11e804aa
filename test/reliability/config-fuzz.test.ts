/**
 * Issue 8, hostile input to the config loader: generated YAML documents and mutations of
 * config.example.yml (values of the wrong type, unknown keys, huge and odd numbers, unicode,
 * deep nesting, removed keys, alias bombs). The loader either accepts the text or throws its one
 * error type, ConfigError, whose every issue names a key path or a line; it never throws
 * anything else, and it never hangs (alias expansion is bounded by the yaml library's
 * maxAliasCount, 100 by default, which parseYaml keeps).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as fc from "fast-check";
import { isMap, isSeq, parseDocument, type Document } from "yaml";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { parseConfigText } from "../../src/config/load.js";
import { REPO_ROOT } from "../e2e/children.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 60) * 5;
const EXAMPLE = readFileSync(join(REPO_ROOT, "config.example.yml"), "utf8");
/**
 * "Never hangs", not a speed claim: the slowest case here (a 5 MB scalar) takes about a second on
 * an idle machine; an unbounded alias expansion or a quadratic walk would take minutes.
 */
const PARSE_BUDGET_MS = 30_000;
const TEST_TIMEOUT_MS = 300_000;

const counts = { cases: 0, accepted: 0, refused: 0 };
afterAll(() => console.log(`config-fuzz: ${counts.cases} documents, ${counts.accepted} accepted, ${counts.refused} refused with a ConfigError`));

/** Load `text`; accepted, or a ConfigError whose every issue says where. Anything else fails. */
function expectAcceptedOrConfigError(text: string): void {
  counts.cases += 1;
  const started = performance.now();
  let thrown: unknown;
  try {
    parseConfigText(text, "config.yml");
    counts.accepted += 1;
  } catch (error) {
    thrown = error;
  }
  const ms = performance.now() - started;
  expect(ms, `parse took ${ms.toFixed(0)} ms`).toBeLessThan(PARSE_BUDGET_MS);
  if (thrown === undefined) return;
  if (!(thrown instanceof ConfigError)) {
    throw new Error(`the loader threw ${String(thrown)} (not a ConfigError) for:\n${text.slice(0, 2000)}`, { cause: thrown });
  }
  counts.refused += 1;
  expect(thrown.issues.length).toBeGreaterThan(0);
  for (const issue of thrown.issues) {
    // The one issue about the document as a whole (it is not a mapping) has no key to name.
    const wholeDocument = issue.path === "" && issue.message.startsWith("expected a mapping with keys workdir");
    expect(issue.path !== "" || issue.line !== undefined || wholeDocument, `an issue that names neither a key nor a line: ${issue.message}`).toBe(true);
    expect(issue.message.length).toBeGreaterThan(0);
  }
}

// Values a hostile or careless operator could put anywhere.
const scalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.constantFrom("\u202e", "\u0000", "ｅｘａｍｐｌｅ", "exa\u200bmple.test", "😀", "-1", "1e309", "0x10", "~", "null", "yes", "NaN", ".inf", "12h", "0s", "-5m", "1000000d"),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, 1e308, -1e308, 2 ** 64, -0, Number.MIN_VALUE),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map((n) => n.toString()),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<unknown> = fc.letrec<{ v: unknown }>((tie) => ({
  v: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    fc.array(tie("v"), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom("url", "driver", "enabled", "<<")), tie("v"), { maxKeys: 4 }),
  ),
})).v;

/** Every path of a mapping or sequence node in the example document. */
function nodePaths(doc: Document): (string | number)[][] {
  const paths: (string | number)[][] = [];
  const walk = (node: unknown, path: (string | number)[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = String((pair.key as { value?: unknown } | null)?.value ?? pair.key);
        paths.push([...path, key]);
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        paths.push([...path, i]);
        walk(item, [...path, i]);
      });
    }
  };
  walk(doc.contents, []);
  return paths;
}
const EXAMPLE_PATHS = nodePaths(parseDocument(EXAMPLE));

type Mutation = { readonly kind: "set"; readonly path: (string | number)[]; readonly value: unknown } | { readonly kind: "delete"; readonly path: (string | number)[] } | { readonly kind: "unknown"; readonly path: (string | number)[]; readonly key: string; readonly value: unknown };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), path: fc.constantFrom(...EXAMPLE_PATHS), value }),
  fc.record({ kind: fc.constant("delete" as const), path: fc.constantFrom(...EXAMPLE_PATHS) }),
  fc.record({ kind: fc.constant("unknown" as const), path: fc.constantFrom([], ...EXAMPLE_PATHS.filter((p) => p.length < 3)), key: fc.string({ minLength: 1 }), value }),
);

function mutate(mutations: readonly Mutation[]): string {
  const doc = parseDocument(EXAMPLE);
  for (const m of mutations) {
    try {
      if (m.kind === "set") doc.setIn(m.path, doc.createNode(m.value));
      else if (m.kind === "delete") doc.deleteIn(m.path);
      else doc.setIn([...m.path, m.key], doc.createNode(m.value));
    } catch {
      // An earlier mutation replaced the parent with a scalar: this one no longer applies.
    }
  }
  return doc.toString({ lineWidth: 0 });
}

describe("the config loader under generated input", () => {
  it("mutations of config.example.yml: accepted or a ConfigError naming the key", () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), (mutations) => expectAcceptedOrConfigError(mutate(mutations))),
      { numRuns: RUNS },
    );
  }, TEST_TIMEOUT_MS);

  it("arbitrary YAML documents and arbitrary text", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          value.map((v) => new (parseDocument("").constructor as new (v: unknown) => Document)(v).toString()),
          fc.string({ unit: "binary", maxLength: 400 }),
          fc.array(fc.constantFrom("workdir: /x\n", "server:\n", "  url:\n", "    - https://a.test/\n", "  - x\n", "&a ", "*a\n", "<<: *a\n", "key: [1, {a: b}]\n", "? complex\n", ": value\n", "!!binary aGk=\n", "!custom x\n", "'\n", '"\\u0000"\n', "--- \n", "...\n", "%YAML 1.2\n", "\t\n")).map((parts) => parts.join("")),
        ),
        (text) => expectAcceptedOrConfigError(text),
      ),
      { numRuns: RUNS },
    );
  }, TEST_TIMEOUT_MS);

  it("names keys that cannot be read plainly (empty, zero-width, dotted) by quoting them", () => {
    let error: unknown;
    try {
      parseConfigText('"": false\n"a.b": 1\n"exa\u200bmple": 2\n', "config.yml");
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('config.yml: "": unknown key');
    expect(message).toContain('config.yml: "a.b": unknown key');
    expect(message).toContain('config.yml: "exa\u200bmple": unknown key');
  }, TEST_TIMEOUT_MS);

  it("alias bombs (billion laughs) are refused at once, not expanded", () => {
    const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const next = String.fromCharCode(97 + i);
      laughs.push(`${next}: &${next} [${Array.from({ length: 9 }, () => `*${prev}`).join(",")}]`);
    }
    // Block style too, and as the value of a real key so the schema would look at it.
    const block = ["x0: &x0", "  - lol", "  - lol", "  - lol", "  - lol", "  - lol", "  - lol", "  - lol", "  - lol", "  - lol"];
    for (let i = 1; i <= 9; i++) block.push(`x${i}: &x${i}`, ...Array.from({ length: 9 }, () => `  - *x${i - 1}`));
    block.push("workdir: /srv/certeasy", "server:", "  url: *x9");
    for (const text of [laughs.join("\n"), block.join("\n")]) {
      expectAcceptedOrConfigError(text);
      expect(() => parseConfigText(text, "config.yml")).toThrow(/alias/);
    }
  }, TEST_TIMEOUT_MS);

  it("deep nesting, in flow and block style, and huge documents", () => {
    for (const depth of [100, 1_000, 10_000]) {
      expectAcceptedOrConfigError(`workdir: ${"[".repeat(depth)}${"]".repeat(depth)}\n`);
      expectAcceptedOrConfigError(`workdir: ${"{a: ".repeat(depth)}1${"}".repeat(depth)}\n`);
      expectAcceptedOrConfigError(Array.from({ length: Math.min(depth, 2_000) }, (_, i) => `${" ".repeat(i)}k${i}:`).join("\n") + " 1\n");
    }
    expectAcceptedOrConfigError(`workdir: ${"x".repeat(5_000_000)}\nserver:\n  url:\n    - https://a.test/\n`);
    expectAcceptedOrConfigError(`${EXAMPLE}\n${Array.from({ length: 20_000 }, (_, i) => `unknown-${i}: ${i}`).join("\n")}\n`);
  }, TEST_TIMEOUT_MS);
});
