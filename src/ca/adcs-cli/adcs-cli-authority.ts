/**
 * The `adcs-cli` authority (behaviour reference §3.1): Microsoft AD CS reached through the
 * built-in `certreq.exe` and `certutil.exe` on a Windows host, as the service's own Windows
 * identity (Kerberos through SSPI, no secret in the config) — adcs.md §2, route A.
 *
 *   submit  → certreq -submit   → issued | pending (RequestId, manager approval) | denied
 *   poll    → certreq -retrieve → issued | still pending | denied
 *   revoke  → certutil -config <ca> -revoke <serial> <reason>
 *   health  → certutil -config <ca> -ping
 *
 * Transient trouble (timeout, CA unreachable, output that means nothing) throws
 * AuthorityUnavailableError so the caller retries; a denial is an outcome, not an error.
 */
import type { AuthorityHealth, CertificateAuthority, IssuanceRequest, SubmitOutcome } from "../authority.js";
import { AuthorityUnavailableError } from "../authority.js";
import { caCertificateSource } from "./ca-certificates.js";
import { callCertreq, type CertreqSettings } from "./certreq-call.js";
import { classifyCertutil } from "./certutil-output.js";
import { AdcsRequestError } from "./errors.js";
import { type AdcsCliAuthorityOptions, checkAdcsCliOptions } from "./options.js";
import { requestMemory } from "./request-memory.js";
import { runCommand } from "./run-command.js";

/**
 * RFC 5280 §5.3.1 reasons ADCS revokes with (MS-CSRA RevokeCertificate lists 0–6 and 8), less
 * 6 (certificateHold) and 8 (removeFromCRL): ACME revocation is final (behaviour reference §2.4).
 * 9 and 10 do not exist for ADCS; the ACME layer must refuse them before they get here.
 */
const CA_REVOCATION_REASONS: ReadonlySet<number> = new Set([0, 1, 2, 3, 4, 5]);

export interface AdcsCliAuthority extends CertificateAuthority {
  readonly caName: string;
  readonly template: string;
}

export function openAdcsCliAuthority(options: AdcsCliAuthorityOptions): AdcsCliAuthority {
  checkAdcsCliOptions(options);
  const { name, caName, template, certutilPath, timeoutMs, log } = options;
  const settings: CertreqSettings = {
    caName,
    template,
    certreqPath: options.certreqPath,
    workdir: options.workdir,
    timeoutMs,
    now: options.now,
    log,
    caCertificates: caCertificateSource({ caName, certutilPath, workdir: options.workdir, timeoutMs, now: options.now, log }),
  };
  const submissions = requestMemory<SubmitOutcome>();
  // A retrieve is shared by concurrent polls of one id; only final answers are remembered.
  const retrievals = requestMemory<SubmitOutcome>((outcome) => outcome.kind !== "pending");

  const certutil = async (verb: string, args: readonly string[]) => {
    const run = await runCommand(certutilPath, ["-config", caName, ...args], { timeoutMs });
    if (run.kind === "timed-out") return { ok: false as const, detail: `certutil -${verb} did not finish within ${timeoutMs} ms and was stopped` };
    if (run.kind === "failed") return { ok: false as const, detail: run.message };
    if (run.kind === "killed") return { ok: false as const, detail: `certutil -${verb} was killed by ${run.signal}` };
    return classifyCertutil(verb, run);
  };

  return {
    name,
    caName,
    template,

    submit(request: IssuanceRequest): Promise<SubmitOutcome> {
      return submissions.run(request.requestKey, () => callCertreq(settings, { action: "submit", requestKey: request.requestKey, csrDer: request.csrDer }));
    },

    poll(requestId: string): Promise<SubmitOutcome> {
      // Digits only: the id is a certreq argument, and ADCS request ids are DWORDs.
      if (!/^\d{1,10}$/.test(requestId)) return Promise.reject(new AdcsRequestError(`"${requestId}" is not an ADCS request id`));
      return retrievals.run(requestId, () => callCertreq(settings, { action: "retrieve", requestId }));
    },

    // certutil -revoke takes no date: the CA records the moment it revokes, which is now; the
    // caller keeps its own revocation time in the event log.
    async revoke(serialHex: string, reasonCode: number): Promise<void> {
      const serial = caSerial(serialHex);
      if (!CA_REVOCATION_REASONS.has(reasonCode)) {
        throw new AdcsRequestError(`revocation reason ${reasonCode} cannot be sent to ADCS (accepted: 0–5; hold and removeFromCRL are not final)`);
      }
      const verdict = await certutil("revoke", ["-revoke", serial, String(reasonCode)]);
      log?.info({ serialHex: serial, reasonCode, ok: verdict.ok, detail: verdict.detail }, "certutil -revoke finished");
      // Revoking an already revoked certificate succeeds at the CA (ICertAdmin::RevokeCertificate
      // may be called again on one certificate), so success covers "already revoked" too.
      if (!verdict.ok) throw new AuthorityUnavailableError(`the CA did not revoke ${serial}: ${verdict.detail}`);
    },

    async health(): Promise<AuthorityHealth> {
      const verdict = await certutil("ping", ["-ping"]);
      return { healthy: verdict.ok, detail: verdict.detail };
    },
  };
}

/**
 * Plain hex with an even number of digits (MS-CSRA: no `0x`; ICertAdmin: prefix one `0` when
 * odd) — the DER content octets `IssuedCertificate.serialHex` holds are already that.
 */
function caSerial(serialHex: string): string {
  if (!/^[0-9a-fA-F]{1,42}$/.test(serialHex) || /^0+$/.test(serialHex)) {
    throw new AdcsRequestError(`"${serialHex}" is not a certificate serial number in hex`);
  }
  const lower = serialHex.toLowerCase();
  return lower.length % 2 === 0 ? lower : `0${lower}`;
}
