/**
 * The `adcs-certsrv` authority: Microsoft AD CS through its Web Enrollment pages over HTTPS
 * (adcs.md §3, route B) — the ADCS route that works from Linux.
 *
 *   submit  → POST certfnsh.asp (Mode=newreq, CertAttrib=CertificateTemplate:<t>) → issued
 *             (then GET certnew.cer?ReqID=N&Enc=b64) | pending (Request Id) | denied
 *   poll    → GET certnew.cer?ReqID=N&Enc=b64 → issued | still pending | denied
 *   chain   → GET certcarc.asp (the CA's renewal count), certnew.p7b?ReqID=CACert&Renewal=n&Enc=b64 (ca-chain.ts)
 *   health  → GET /certsrv/: authenticated, and the page is the Web Enrollment home page
 *   revoke  → impossible: Web Enrollment has no revocation (adcs.md §6). RevocationUnsupportedError
 *             tells the revocation path to keep the revocation in Certeasy only.
 */
import type { AuthorityHealth, CertificateAuthority, IssuanceRequest, IssuedCertificate, SubmitOutcome } from "../authority.js";
import { AuthorityUnavailableError, RevocationUnsupportedError, SubmissionInDoubtError } from "../authority.js";
import { caCertificateCache } from "../adcs-cli/ca-certificates.js";
import { AdcsRequestError } from "../adcs-cli/errors.js";
import { issuedCertificate } from "../adcs-cli/issued-certificate.js";
import { requestMemory } from "../adcs-cli/request-memory.js";
import { toPem } from "../der/pem.js";
import { certsrvClient } from "./http-client.js";
import { type AdcsCertsrvAuthorityOptions, resolveCertsrvOptions } from "./options.js";
import { fetchCaChain } from "./ca-chain.js";
import { isCertsrvHome, readRetrieval, readSubmissionPage } from "./pages.js";

export interface AdcsCertsrvAuthority extends CertificateAuthority {
  readonly url: string;
  readonly template: string;
}

export async function openAdcsCertsrvAuthority(options: AdcsCertsrvAuthorityOptions): Promise<AdcsCertsrvAuthority> {
  const resolved = await resolveCertsrvOptions(options);
  const { log, template } = options;
  const client = certsrvClient({
    baseUrl: resolved.baseUrl,
    auth: options.auth,
    username: options.username,
    password: resolved.password,
    ca: resolved.ca,
    timeoutMs: options.timeoutMs,
  });

  const fetchCaCertificates = async (): Promise<Uint8Array[]> => {
    const chain = await fetchCaChain(client);
    if (chain.renewals === undefined) log?.warn({ authority: options.name }, "certcarc.asp shows no renewal count; asked for the CA's first certificate");
    return chain.certificates;
  };
  const caCertificates = caCertificateCache(async (known) => {
    const found = await fetchCaCertificates().catch((err: unknown) => {
      log?.warn({ err, authority: options.name }, "could not fetch the CA certificates from certsrv; chains stay without them");
      return [];
    });
    return found.length === 0 ? known : [...found, ...known];
  }, options.now);

  /** certnew.cer for an id certfnsh.asp or a poll found issued, with the chain completed. */
  const issued = async (certificateDer: Uint8Array): Promise<IssuedCertificate> => {
    let built = issuedCertificate(certificateDer, caCertificates.known());
    if (built !== undefined && !built.issuerFound) {
      built = issuedCertificate(certificateDer, await caCertificates.refresh()) ?? built;
      if (!built.issuerFound) log?.warn({ serialHex: built.certificate.serialHex }, "issued certificate served without its CA certificate: certsrv's CA chain does not hold its issuer");
    }
    if (built === undefined) throw new AuthorityUnavailableError("certsrv sent a certificate that is not usable (no serial or key identifier)");
    return built.certificate;
  };

  const retrieve = async (requestId: string): Promise<SubmitOutcome | { readonly kind: "still-pending" }> => {
    const response = await client.get(`certnew.cer?ReqID=${requestId}&Enc=b64`);
    const page = readRetrieval(response.contentType, response.body);
    switch (page.kind) {
      case "issued":
        return { kind: "issued", certificate: await issued(page.certificateDer) };
      case "pending":
        return { kind: "still-pending" };
      case "denied":
        return { kind: "denied", reason: `${page.reason} (ADCS request ${requestId})` };
      case "unavailable":
        throw new AuthorityUnavailableError(page.message);
    }
  };

  const submit = async (request: IssuanceRequest): Promise<SubmitOutcome> => {
    // The fields the Web Enrollment form itself posts (adcs.md §3.1); SaveCert=yes asks for the
    // download links rather than the browser-install script.
    const form = new URLSearchParams({
      Mode: "newreq",
      CertRequest: toPem(request.csrDer, "CERTIFICATE REQUEST"),
      CertAttrib: `CertificateTemplate:${template}\r\n`,
      FriendlyType: "Saved-Request Certificate",
      TargetStoreFlags: "0",
      SaveCert: "yes",
    });
    const startedAt = options.now().getTime();
    const response = await client.post("certfnsh.asp", form).catch((err: unknown) => {
      // No answer within default-timeout: the form may have reached the CA, which then holds a
      // request Certeasy cannot name. A refused connection or a TLS failure sent nothing.
      if (err instanceof AuthorityUnavailableError && isTimeout(err.cause)) throw new SubmissionInDoubtError(err.message, { cause: err });
      throw err;
    });
    const page = readSubmissionPage(response.body.toString("utf8"));
    log?.info({ authority: options.name, requestKey: request.requestKey, result: page.kind, elapsedMs: options.now().getTime() - startedAt }, "certsrv submission answered");
    switch (page.kind) {
      case "pending":
        return { kind: "pending", requestId: page.requestId };
      case "denied":
        return { kind: "denied", reason: page.reason };
      case "unavailable":
        throw new AuthorityUnavailableError(page.message);
      case "issued": {
        // The CA holds an issued request now: if fetching it fails, answering "pending" lets the
        // poller fetch it by id later, where a thrown error would make the caller submit again
        // and the CA issue twice.
        const outcome = await retrieve(page.requestId).catch((err: unknown) => {
          if (!(err instanceof AuthorityUnavailableError)) throw err;
          log?.warn({ authority: options.name, requestId: page.requestId, detail: err.message }, "issued certificate not fetched yet; it will be polled by request id");
          return { kind: "still-pending" } as const;
        });
        return outcome.kind === "still-pending" ? { kind: "pending", requestId: page.requestId } : outcome;
      }
    }
  };

  const submissions = requestMemory<SubmitOutcome>();
  // Only final answers are remembered: "still pending" must be asked again next time.
  const retrievals = requestMemory<SubmitOutcome>((outcome) => outcome.kind !== "pending");

  return {
    name: options.name,
    url: resolved.baseUrl.href,
    template,

    submit: (request) => submissions.run(request.requestKey, () => submit(request)),

    poll(requestId: string): Promise<SubmitOutcome> {
      // Digits only: the id goes into a URL, and ADCS request ids are DWORDs.
      if (!/^\d{1,10}$/.test(requestId)) return Promise.reject(new AdcsRequestError(`"${requestId}" is not an ADCS request id`));
      return retrievals.run(requestId, async () => {
        const outcome = await retrieve(requestId);
        return outcome.kind === "still-pending" ? { kind: "pending", requestId } : outcome;
      });
    },

    revoke(serialHex: string): Promise<void> {
      return Promise.reject(
        new RevocationUnsupportedError(
          `${options.name} reaches ADCS through Web Enrollment, which cannot revoke: revoke serial ${serialHex} on the CA (certutil -revoke ${serialHex}) if the CA's CRL must list it`,
        ),
      );
    },

    async health(): Promise<AuthorityHealth> {
      try {
        const home = await client.get("");
        if (!isCertsrvHome(home.body.toString("utf8"))) {
          return { healthy: false, detail: `${resolved.baseUrl.href} answered, but not with the Web Enrollment home page (is url the /certsrv/ site?)` };
        }
        return { healthy: true, detail: `${resolved.baseUrl.href} answered as ${options.username}` };
      } catch (err) {
        if (err instanceof AuthorityUnavailableError) return { healthy: false, detail: err.message };
        throw err;
      }
    },
  };
}

const isTimeout = (cause: unknown): boolean => cause instanceof Error && (cause.name === "AbortError" || cause.name === "TimeoutError");
