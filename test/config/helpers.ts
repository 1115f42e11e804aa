/** Shared helpers for the config tests: a minimal valid file and error capture. */
import { expect } from "vitest";
import { ConfigError } from "../../src/config/errors.js";
import { parseConfigText } from "../../src/config/load.js";

/** The smallest valid config: the two required keys. */
export const MINIMAL = `workdir: /srv/certeasy
server:
  url:
    - https://acme.example.test/
`;

/** Parses `text` as `config.yml` and returns the ConfigError it must throw. */
export function configError(text: string, file = "config.yml"): ConfigError {
  try {
    parseConfigText(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, but the config was accepted");
}

/** The rendered lines of the error `text` produces. */
export function errorLines(text: string): string[] {
  return configError(text).message.split("\n");
}
