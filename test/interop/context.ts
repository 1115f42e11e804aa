/**
 * What every client scenario of a run shares: the server under test, the DNS server, the ports
 * the validator dials, and a scratch folder of its own.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { CerteasyServer } from "./certeasy-server.js";
import type { DnsServer } from "./challtestsrv.js";
import type { InteropPorts } from "./ports.js";

export interface InteropContext {
  readonly server: CerteasyServer;
  /** the root CA certificate, PEM */
  readonly rootCa: string;
  readonly dns: DnsServer;
  readonly ports: InteropPorts;
  /** a folder for this client's state (account, keys, certificates, logs) */
  readonly workspace: string;
  /** the executable lego's `exec` DNS provider runs, and dehydrated's and uacme's hooks call */
  readonly dnsHookPath: string;
}

/** The run's contact address, under .test (RFC 2606) like every identifier of the run. */
export const CONTACT_EMAIL = "ops@example.test";

let scratchCount = 0;

/** A fresh file path under the workspace for a check's temporary files. */
export async function scratchFile(context: InteropContext, label: string): Promise<string> {
  const folder = join(context.workspace, "checks");
  await mkdir(folder, { recursive: true });
  scratchCount += 1;
  return join(folder, `${scratchCount}-${label.replace(/[^a-z0-9.-]+/gi, "_")}.pem`);
}
