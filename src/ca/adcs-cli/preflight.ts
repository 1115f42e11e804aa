/**
 * `certeasy adcs check` (behaviour reference §5, issue 4 "PKI health"): the read-only preflight of
 * one `adcs-cli` authority, run without the server — the programs exist and may be executed,
 * the CA answers `certutil -ping`, it publishes the configured template, and Certeasy may write
 * its scratch files under `<workdir>/adcs/`. Each check is one line for the operator.
 */
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { firstExistingWritable } from "../writable-dir.js";
import { delimiter, dirname, isAbsolute, join, win32 } from "node:path";
import { openAdcsCliAuthority } from "./adcs-cli-authority.js";
import { classifyCertutil, publishedTemplates } from "./certutil-output.js";
import { excerpt } from "./certreq-output.js";
import type { AdcsCliAuthorityOptions } from "./options.js";
import { runCommand } from "./run-command.js";

export interface PreflightCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export async function preflightAdcsCli(options: AdcsCliAuthorityOptions): Promise<readonly PreflightCheck[]> {
  const checks: PreflightCheck[] = [];
  const certutil = await findProgram(options.certutilPath);
  checks.push(programCheck("certutil", options.certutilPath, certutil));
  const certreq = await findProgram(options.certreqPath);
  checks.push(programCheck("certreq", options.certreqPath, certreq));
  if (certutil.found !== null) {
    const ping = await openAdcsCliAuthority(options).health();
    checks.push({ name: "certutil -ping", ok: ping.healthy, detail: ping.detail });
    checks.push(await templateCheck(options));
  }
  checks.push(await scratchCheck(options.workdir));
  return checks;
}

type Found = { readonly found: string; readonly detail?: undefined } | { readonly found: null; readonly detail: string };

function programCheck(program: string, configured: string, found: Found): PreflightCheck {
  return found.found !== null
    ? { name: `${program} present`, ok: true, detail: found.found }
    : { name: `${program} present`, ok: false, detail: `${configured}: ${found.detail}` };
}

/** An absolute path as it is; a bare name as the service would find it on PATH (with PATHEXT on Windows). */
async function findProgram(path: string): Promise<Found> {
  if (isAbsolute(path) || win32.isAbsolute(path)) return executable(path);
  const extensions = process.platform === "win32" ? ["", ...(process.env.PATHEXT ?? ".EXE;.CMD;.BAT").split(";")] : [""];
  for (const dir of (process.env.PATH ?? "").split(delimiter).filter((d) => d !== "")) {
    for (const extension of extensions) {
      const candidate = await executable(join(dir, path + extension));
      if (candidate.found !== null) return candidate;
    }
  }
  return { found: null, detail: "not found on PATH" };
}

async function executable(path: string): Promise<Found> {
  try {
    if (!(await stat(path)).isFile()) return { found: null, detail: "not a file" };
    await access(path, constants.X_OK);
    return { found: path };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { found: null, detail: code === "ENOENT" ? "no such file" : code === "EACCES" ? "not executable by this user" : String(code ?? error) };
  }
}

/** `certutil -CATemplates`: a template the CA does not publish makes every request fail. */
async function templateCheck(options: AdcsCliAuthorityOptions): Promise<PreflightCheck> {
  const name = `template ${options.template} published`;
  const run = await runCommand(options.certutilPath, ["-config", options.caName, "-CATemplates"], { timeoutMs: options.timeoutMs });
  if (run.kind === "failed") return { name, ok: false, detail: run.message };
  if (run.kind !== "exited") return { name, ok: false, detail: `certutil -CATemplates ${run.kind === "timed-out" ? `did not finish within ${options.timeoutMs} ms` : `was killed by ${run.signal}`}` };
  const verdict = classifyCertutil("CATemplates", run);
  if (!verdict.ok) return { name, ok: false, detail: verdict.detail };
  const templates = publishedTemplates(run.stdout);
  if (templates.some((t) => t.toLowerCase() === options.template.toLowerCase())) return { name, ok: true, detail: `the CA publishes ${options.template}` };
  return { name, ok: false, detail: `the CA does not publish it; it publishes: ${excerpt(templates.join(", ")) || "nothing"}` };
}

/** `<workdir>/adcs/` (or, before the first request creates it, the workdir) writable by this user. */
async function scratchCheck(workdir: string): Promise<PreflightCheck> {
  const scratch = join(workdir, "adcs");
  const name = `${scratch} writable`;
  const found = await firstExistingWritable([scratch, workdir, dirname(workdir)]);
  if (found.dir === null) return { name, ok: false, detail: found.failure };
  return { name, ok: true, detail: found.dir === scratch ? "writable" : `${found.dir} is writable; the directory is created at the first request` };
}
