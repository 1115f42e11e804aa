/** Temp workdirs and file surgery for the audit tests. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";

export const NODE_A = "11111111-1111-4111-8111-111111111111";
export const NODE_B = "22222222-2222-4222-8222-222222222222";

export const clock = (): Date => new Date("2026-11-30T10:00:00.000Z");

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A fresh workdir; `audit.log` inside it does not exist yet. */
export async function workdir(): Promise<{ dir: string; path: string }> {
  const dir = await mkdtemp(join(tmpdir(), "certeasy-audit-"));
  dirs.push(dir);
  return { dir, path: join(dir, "workdir", "audit.log") };
}

export async function fileLines(path: string): Promise<string[]> {
  const text = await readFile(path, "utf8");
  return text.split("\n").slice(0, -1);
}

export async function parsedLines(path: string): Promise<Record<string, unknown>[]> {
  return (await fileLines(path)).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Rewrite the file from edited lines (each gets its LF back). */
export async function writeLines(path: string, lines: readonly string[]): Promise<void> {
  await writeFile(path, lines.map((l) => `${l}\n`).join(""));
}
