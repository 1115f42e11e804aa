/**
 * One certreq run — `-submit` a CSR or `-retrieve` a pending request — from files to a
 * SubmitOutcome (adcs.md §2.1):
 *
 *   certreq -submit -q -config <ca> -attrib CertificateTemplate:<template> <in.csr> <out.cer> <out.p7b>
 *   certreq -retrieve -q -config <ca> <RequestId> <out.cer> <out.p7b>
 *
 * `-q` because without it some error paths open a modal dialog that hangs a service. The
 * `-attrib` value is one argument holding `Name:Value` pairs (certreq separates pairs with the
 * two characters `\n`; we send one pair, no quotes of our own — execFile quotes the argument on
 * Windows). The third file asks certreq for the PKCS#7 chain, whose CA certificates complete the
 * chain we serve. No `-f`: every run writes into a directory made for it, so there is nothing to
 * overwrite. The files are removed afterwards whatever happened.
 */
import { readFile, stat } from "node:fs/promises";
import type { Logger as PinoLogger } from "pino";
import { AuthorityUnavailableError, SubmissionInDoubtError, type SubmitOutcome } from "../authority.js";
import { toPem } from "../der/pem.js";
import type { CaCertificateSource } from "./ca-certificates.js";
import { certificatesInFile } from "./certificate-files.js";
import { classifyCertreq, excerpt } from "./certreq-output.js";
import { issuedCertificate } from "./issued-certificate.js";
import { runCommand } from "./run-command.js";
import { openScratchDir } from "./scratch-dir.js";

export interface CertreqSettings {
  readonly caName: string;
  readonly template: string;
  readonly certreqPath: string;
  readonly workdir: string;
  readonly timeoutMs: number;
  readonly now: () => Date;
  readonly caCertificates: CaCertificateSource;
  readonly log?: PinoLogger | undefined;
}

export type CertreqCall = { readonly action: "submit"; readonly requestKey: string; readonly csrDer: Uint8Array } | { readonly action: "retrieve"; readonly requestId: string };

export async function callCertreq(settings: CertreqSettings, call: CertreqCall): Promise<SubmitOutcome> {
  const label = call.action === "submit" ? call.requestKey : `retrieve-${call.requestId}`;
  let scratch;
  try {
    scratch = await openScratchDir(settings.workdir, label);
  } catch (err) {
    throw new AuthorityUnavailableError(`cannot prepare the certreq files under ${settings.workdir}: ${(err as Error).message}`, { cause: err });
  }
  try {
    const cer = scratch.file(".cer");
    const p7b = scratch.file(".p7b");
    let args: string[];
    if (call.action === "submit") {
      const csr = scratch.file(".csr");
      await scratch.writePrivate(csr, toPem(call.csrDer, "CERTIFICATE REQUEST")).catch((err: unknown) => {
        throw new AuthorityUnavailableError(`cannot write the CSR for certreq to ${csr}: ${(err as Error).message}`, { cause: err });
      });
      args = ["-submit", "-q", "-config", settings.caName, "-attrib", `CertificateTemplate:${settings.template}`, csr, cer, p7b];
    } else {
      args = ["-retrieve", "-q", "-config", settings.caName, call.requestId, cer, p7b];
    }
    const startedAt = settings.now().getTime();
    const run = await runCommand(settings.certreqPath, args, { timeoutMs: settings.timeoutMs, cwd: scratch.path });
    const elapsedMs = settings.now().getTime() - startedAt;
    // A submit cut short may have reached the CA: it is in doubt, never retried. A retrieve is
    // only a read, asked again later.
    const cutShort = (message: string): Error => (call.action === "submit" ? new SubmissionInDoubtError(message) : new AuthorityUnavailableError(message));
    if (run.kind === "timed-out") {
      settings.log?.warn({ action: call.action, elapsedMs }, "certreq timed out and was killed");
      throw cutShort(`certreq -${call.action} did not finish within ${settings.timeoutMs} ms and was stopped`);
    }
    if (run.kind === "failed") throw new AuthorityUnavailableError(run.message);
    if (run.kind === "killed") throw cutShort(`certreq -${call.action} was killed by ${run.signal}`);

    const certificateWritten = await nonEmpty(cer);
    const result = classifyCertreq({ ...run, certificateWritten });
    settings.log?.info({ action: call.action, exitCode: run.exitCode, result: result.kind, elapsedMs }, "certreq finished");
    switch (result.kind) {
      case "pending":
        return { kind: "pending", requestId: result.requestId };
      case "denied":
        return { kind: "denied", reason: result.reason };
      case "unavailable":
        settings.log?.warn({ action: call.action, output: excerpt(`${run.stdout} ${run.stderr}`, 1000) }, result.message);
        throw new AuthorityUnavailableError(result.message);
      case "issued":
        return { kind: "issued", certificate: await readIssued(settings, cer, p7b) };
    }
  } finally {
    await scratch.remove();
  }
}

async function readIssued(settings: CertreqSettings, cer: string, p7b: string) {
  const [leafDer] = certificatesInFile(await readFile(cer));
  const bundle = certificatesInFile(await readFile(p7b).catch(() => Buffer.alloc(0)));
  if (leafDer === undefined) throw new AuthorityUnavailableError(`certreq reported an issued certificate but ${cer} holds none`);
  let built = issuedCertificate(leafDer, [...bundle, ...settings.caCertificates.known()]);
  if (built !== undefined && !built.issuerFound) {
    const fetched = await settings.caCertificates.refresh().catch((err: unknown) => {
      settings.log?.warn({ err }, "could not fetch the CA certificate with certutil");
      return [];
    });
    built = issuedCertificate(leafDer, [...bundle, ...fetched]) ?? built;
    if (!built.issuerFound) settings.log?.warn({ serialHex: built.certificate.serialHex }, "issued certificate served without its CA certificate: neither certreq nor certutil returned its issuer");
  }
  if (built === undefined) throw new AuthorityUnavailableError(`certreq wrote ${cer} but it is not a usable certificate (no serial or key identifier)`);
  return built.certificate;
}

async function nonEmpty(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}
