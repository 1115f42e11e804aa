/**
 * The `adcs-cli` options, checked once when the authority opens (behaviour reference §3.2,
 * adcs.md §2.3). The character rules are Certeasy 0.9.4's hardening: `ca-name` and
 * `certificate-template` travel to certreq/certutil as command-line arguments, so a leading `-`
 * would read as a switch, a control character could end the argument early in a log or a
 * console, and `:` is refused as the product refuses it. The template additionally refuses `\`,
 * because certreq splits `-attrib` on the two characters `\n`: a template name holding them
 * would smuggle a second attribute (e.g. a `SAN:` one, adcs.md §1.2) into the request.
 */
import { isAbsolute, posix, win32 } from "node:path";
import type { Logger as PinoLogger } from "pino";
import { AdcsConfigError } from "./errors.js";

/** Certeasy's `default-timeout` since 0.9.2 (behaviour reference §3.2). */
export const DEFAULT_ADCS_TIMEOUT_MS = 4 * 60_000;

export interface AdcsCliAuthorityOptions {
  /** the authority's configured name (`authorities[].name`) */
  readonly name: string;
  /** `ca-name`: the CA config string `HOST\CA Name`, as `certutil -CA` shows it */
  readonly caName: string;
  /** `certificate-template`: the template's internal (cn) name */
  readonly template: string;
  /** `certreq-path`: absolute, or a bare name looked up on PATH */
  readonly certreqPath: string;
  /** `certutil-path`: absolute, or a bare name looked up on PATH */
  readonly certutilPath: string;
  /** the node's workdir; transient files go to `<workdir>/adcs/` */
  readonly workdir: string;
  /** `default-timeout`: the longest one certreq/certutil run may take */
  readonly timeoutMs: number;
  readonly now: () => Date;
  readonly log?: PinoLogger | undefined;
}

/** Throws AdcsConfigError naming the first option at fault. */
export function checkAdcsCliOptions(options: AdcsCliAuthorityOptions): void {
  if (options.name.trim() === "") throw new AdcsConfigError("name", "the authority name must not be empty");
  checkCommandArgument("caName", "ca-name", options.caName);
  checkCommandArgument("template", "certificate-template", options.template);
  if (options.template.includes("\\")) {
    throw new AdcsConfigError(
      "template",
      `certificate-template must not contain "\\" (certreq reads "\\n" in -attrib as an attribute separator), got ${JSON.stringify(options.template)}`,
    );
  }
  checkProgramPath("certreqPath", "certreq-path", options.certreqPath);
  checkProgramPath("certutilPath", "certutil-path", options.certutilPath);
  if (!isAbsolute(options.workdir)) {
    throw new AdcsConfigError("workdir", `the workdir must be an absolute path, got ${JSON.stringify(options.workdir)}`);
  }
  if (!Number.isSafeInteger(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new AdcsConfigError("timeoutMs", `default-timeout must be a positive number of milliseconds, got ${options.timeoutMs}`);
  }
}

// C0 controls, DEL and C1 controls.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

function checkCommandArgument(field: string, key: string, value: string): void {
  const shown = JSON.stringify(value);
  if (value.trim() === "") throw new AdcsConfigError(field, `${key} must not be empty`);
  if (CONTROL_CHARACTER.test(value)) throw new AdcsConfigError(field, `${key} must not contain control characters, got ${shown}`);
  if (value.includes(":")) throw new AdcsConfigError(field, `${key} must not contain ":", got ${shown}`);
  if (value.startsWith("-")) throw new AdcsConfigError(field, `${key} must not start with "-", got ${shown}`);
}

/**
 * Absolute (on either platform's rules, so a Windows path written on Linux is judged as what it
 * is) or a bare program name. A relative path would resolve against whatever directory the
 * service happens to start in, and could run a planted certreq.exe.
 */
function checkProgramPath(field: string, key: string, value: string): void {
  const shown = JSON.stringify(value);
  if (value === "") throw new AdcsConfigError(field, `${key} must not be empty`);
  if (CONTROL_CHARACTER.test(value)) throw new AdcsConfigError(field, `${key} must not contain control characters, got ${shown}`);
  const absolute = process.platform === "win32" ? win32.isAbsolute(value) && /^([a-zA-Z]:[\\/]|\\\\)/.test(value) : posix.isAbsolute(value);
  // ":" too: "C:certreq.exe" is relative to drive C's current directory.
  const bare = !/[/\\:]/.test(value) && value !== "." && value !== "..";
  if (!absolute && !bare) {
    throw new AdcsConfigError(field, `${key} must be an absolute path or a bare program name, got the relative path ${shown}`);
  }
}
