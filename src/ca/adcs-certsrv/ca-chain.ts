/**
 * The CA's certificates from Web Enrollment (adcs.md §3.1): certcarc.asp names the CA's current
 * certificate by its renewal count (`var nRenewals=N;`), and
 * `certnew.p7b?ReqID=CACert&Renewal=N&Enc=b64` is that certificate with its chain, a PKCS#7
 * bundle that Windows labels "CERTIFICATE".
 */
import { certificatesInFile } from "../adcs-cli/certificate-files.js";
import type { CertsrvClient } from "./http-client.js";
import { readRenewalCount } from "./pages.js";

export interface CaChain {
  /** DER, in the order the bundle holds them */
  readonly certificates: Uint8Array[];
  /** undefined: certcarc.asp showed no renewal count, and the CA's first certificate was asked for */
  readonly renewals: number | undefined;
}

export async function fetchCaChain(client: CertsrvClient): Promise<CaChain> {
  const archive = await client.get("certcarc.asp");
  const renewals = readRenewalCount(archive.body.toString("utf8"));
  const bundle = await client.get(`certnew.p7b?ReqID=CACert&Renewal=${renewals ?? 0}&Enc=b64`);
  return { certificates: certificatesInFile(bundle.body), renewals };
}
