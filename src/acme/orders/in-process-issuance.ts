/**
 * Issuance inside the finalize request, for an authority that issues in this process (the
 * embedded CA): the certificate is signed before the order's events are appended, so finalizing,
 * issued and valid commit together — one append and one fsync fewer per order than going
 * through the issuance queue. Nothing outside the process can hold such a request, so nothing
 * has to be recorded before the call (DESIGN §2 invariant 9); a certificate whose append is
 * refused was never given to anyone.
 */
import type { Logger } from "pino";
import type { CertificateAuthority, IssuanceRequest, IssuedCertificate } from "../../ca/authority.js";

/** The certificate, or null when the authority is not in process or did not issue: the issuance queue then takes the order as before. */
export type InProcessIssuer = (authority: string, request: IssuanceRequest) => Promise<IssuedCertificate | null>;

export function inProcessIssuer(authorities: ReadonlyMap<string, CertificateAuthority>, log: Logger): InProcessIssuer {
  return async (name, request) => {
    const authority = authorities.get(name);
    if (authority?.submitsInProcess !== true) return null;
    try {
      const outcome = await authority.submit(request);
      // A denial is recorded by the queue, which asks again and gets the same answer.
      return outcome.kind === "issued" ? outcome.certificate : null;
    } catch (error) {
      log.warn({ orderId: request.requestKey, authority: name, err: error }, "in-process issuance failed: the issuance queue retries it");
      return null;
    }
  };
}
