/**
 * The transient files of one certreq/certutil run (behaviour reference §3.1: `<workdir>/adcs/`).
 * Each run gets its own fresh directory, so a file left by an earlier run can never be mistaken
 * for this run's certificate (adcs.md §2.2's "stale destination file"), and whatever certreq
 * writes beside the files it was given (a `.rsp` on pending) is removed with the directory.
 * Directories are 0700 and files 0600: a CSR names internal hosts.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface ScratchDir {
  readonly path: string;
  /** `<path>/<stem><extension>`, absolute, so certreq can never read it as a switch */
  readonly file: (extension: string) => string;
  readonly writePrivate: (path: string, content: string) => Promise<void>;
  readonly remove: () => Promise<void>;
}

export async function openScratchDir(workdir: string, label: string): Promise<ScratchDir> {
  const root = join(workdir, "adcs");
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
  const stem = fileStem(label);
  const path = await mkdtemp(join(root, `${stem}-`));
  return {
    path,
    file: (extension) => join(path, `${stem}${extension}`),
    writePrivate: async (file, content) => {
      await writeFile(file, content, { flag: "wx", mode: 0o600 });
      await chmod(file, 0o600);
    },
    remove: () => rm(path, { recursive: true, force: true }),
  };
}

/** A request key made safe as a file name: ACME order ids are already, this guards the rest. */
function fileStem(label: string): string {
  const safe = label.replace(/[^A-Za-z0-9_.-]/g, "_").replace(/^[.-]+/, "").slice(0, 64);
  return safe === "" ? "request" : safe;
}
