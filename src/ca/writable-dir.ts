/**
 * Where a directory Certeasy creates on first use will come from: the first of `candidates`
 * (the directory, then its parents) that exists, if this user may write it. Preflights use it
 * to say "writable" or "created at first use" without creating anything.
 */
import { constants } from "node:fs";
import { access } from "node:fs/promises";

export type WritableDir = { readonly dir: string } | { readonly dir: null; readonly failure: string };

export async function firstExistingWritable(candidates: readonly string[]): Promise<WritableDir> {
  for (const dir of candidates) {
    try {
      await access(dir, constants.W_OK | constants.X_OK);
      return { dir };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== "ENOENT") return { dir: null, failure: `${dir}: ${code ?? String(error)}` };
    }
  }
  return { dir: null, failure: `none of ${candidates.join(", ")} exists` };
}
