/**
 * Installations a test file makes, torn down after each test together with any CLI child it
 * left running — so a failed assertion never leaks a workdir or a serving process into the next.
 * Kept apart from harness.ts, which runs outside vitest too (the interop run).
 */
import { afterEach } from "vitest";
import { createInstallation, killLeftoverChildren, type Installation, type InstallationOptions } from "./harness.js";

export function installationsPerTest(): (options?: InstallationOptions) => Promise<Installation> {
  const made: Installation[] = [];
  afterEach(async () => {
    await killLeftoverChildren();
    await Promise.all(made.splice(0).map((i) => i.cleanup()));
  });
  return async (options = {}) => {
    const created = await createInstallation(options);
    made.push(created);
    return created;
  };
}
