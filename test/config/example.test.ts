/**
 * config.example.yml is both the reference of every key and a runnable local config: it must
 * load as it is, and mention every key the schema accepts.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { loadConfig, parseConfigText } from "../../src/config/load.js";
import { CONFIG_KEYS } from "../../src/config/schema.js";
import { configWarnings } from "../../src/config/warnings.js";
import { MINIMAL } from "./helpers.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const examplePath = resolve(repoRoot, "config.example.yml");

describe("config.example.yml", () => {
  it("loads as a local try-out config without warnings", () => {
    const config = loadConfig(examplePath);
    expect(config.workdir).toBe(resolve(repoRoot, ".workdir"));
    expect(config.server.urls.map((url) => url.href)).toEqual(["https://localhost:8443/"]);
    expect(config.server.listen).toEqual({ host: "127.0.0.1", port: 8443 });
    expect(config.database).toMatchObject({ driver: "sqlite", path: resolve(repoRoot, ".workdir/db.sqlite") });
    expect(configWarnings(config)).toEqual([]);
  });

  it("writes out the defaults of acme, renewal-info and the default validation profile", () => {
    const config = loadConfig(examplePath);
    const defaults = parseConfigText(MINIMAL, "config.yml");
    expect(config.acme).toEqual(defaults.acme);
    expect(config.renewalInfo).toEqual(defaults.renewalInfo);
    expect(config.dnsValidationProfiles).toEqual(defaults.dnsValidationProfiles);
  });

  it("documents every key the loader accepts", () => {
    const text = readFileSync(examplePath, "utf8");
    const undocumented: string[] = [];
    for (const [section, keys] of Object.entries(CONFIG_KEYS)) {
      for (const key of keys) {
        // written as `key:` at the section's indentation, commented out or not
        const pattern = new RegExp(`^${keyIndent(section)}(?:# ?)?${escape(key)}:`, "m");
        if (!pattern.test(text)) undocumented.push(section === "" ? key : `${section}.${key}`);
      }
    }
    expect(undocumented).toEqual([]);
  });
});

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\-]/g, "\\$&");

/**
 * The indentation a key of `section` is written at, two spaces a level: `acme` → 2 spaces;
 * `dns-validation-profiles[].ports` → 6; the keys of a list item (`…zones[]`) sit after the
 * item's `- ` or two spaces further in.
 */
function keyIndent(section: string): string {
  if (section === "") return "";
  const segments = section.split(".");
  let width = 0;
  for (const [index, segment] of segments.entries()) {
    width += 2;
    if (!segment.endsWith("[]")) continue;
    if (index === segments.length - 1) return `(?: {${width}}- | {${width + 2}})`;
    width += 2;
  }
  return ` {${width}}`;
}
