/**
 * What certsrv's pages mean (adcs.md §3.1). The pages are localised HTML, so each decision rests
 * first on what translation leaves alone — the `certnew.cer?ReqID=N&` link, the element ids of
 * the page templates (`locReqID`…), HRESULTs (`0x80094800`), the Content-Type of a certificate
 * — and on English phrases only where nothing structural exists.
 *
 *   certfnsh.asp, after a submission:
 *     issued  — a `certnew.cer?ReqID=N&…` link to download the certificate
 *     pending — "Certificate Pending", "Your Request Id is N." (element `locReqID`)
 *     denied  — `The disposition message is "Denied by Policy Module 0x8009…"`, or an error
 *               page with `Error Number: 0x…`
 *   certnew.cer?ReqID=N, afterwards: the certificate itself, or an error page whose
 *     `Disposition message:` says `Taken Under Submission` (still pending) or why it was
 *     denied, and whose `LastStatus:` carries the HRESULT.
 */
import { certificatesInFile } from "../adcs-cli/certificate-files.js";
import { denialReason, excerpt } from "../adcs-cli/certreq-output.js";
import { explainHresult, findFailureHresults } from "../adcs-cli/hresult.js";

export type SubmissionPage =
  | { readonly kind: "issued"; readonly requestId: string }
  | { readonly kind: "pending"; readonly requestId: string }
  | { readonly kind: "denied"; readonly reason: string; readonly requestId: string | undefined }
  /** the CA or the path to it failed (a known transient HRESULT), or the page means nothing we know */
  | { readonly kind: "unavailable"; readonly message: string };

export type RetrievalPage =
  | { readonly kind: "issued"; readonly certificateDer: Uint8Array }
  | { readonly kind: "pending" }
  | { readonly kind: "denied"; readonly reason: string }
  | { readonly kind: "unavailable"; readonly message: string };

const ISSUED_LINK = /certnew\.cer\?ReqID=(\d+)&/i;
const REQUEST_ID_ELEMENT = /ID=["']?locReqID["']?[^>]*>[^<\d]*(\d+)/i;
const REQUEST_ID_TEXT = /Request Id is\s*(\d+)/i;
const PENDING_TEXT = /Certificate Pending|Taken Under Submission/i;
const DISPOSITION_QUOTED = /disposition message is\s*"([^"]*)"/i;
const DISPOSITION_LINE = /Disposition message:\s*([^\r\n<]*)/i;
// A translated page still quotes the CA's message, and the message carries its HRESULT.
const QUOTED_WITH_HRESULT = /"([^"]*0x[0-9a-fA-F]{8}[^"]*)"/;

/** The page `certfnsh.asp` answered a `Mode=newreq` submission with. */
export function readSubmissionPage(html: string): SubmissionPage {
  const issued = ISSUED_LINK.exec(html)?.[1];
  if (issued !== undefined) return { kind: "issued", requestId: issued };
  const text = pageText(html);
  const requestId = REQUEST_ID_ELEMENT.exec(html)?.[1] ?? REQUEST_ID_TEXT.exec(text)?.[1];
  const failures = findFailureHresults(text);
  const unavailable = failures.find((found) => found.known?.kind === "unavailable");
  if (unavailable !== undefined) return { kind: "unavailable", message: `certsrv: ${explainHresult(unavailable)}` };
  // A pending page carries no HRESULT; a localised one still has its request id element.
  if (requestId !== undefined && failures.length === 0 && (PENDING_TEXT.test(text) || REQUEST_ID_ELEMENT.test(html))) {
    return { kind: "pending", requestId };
  }
  const message = dispositionMessage(text);
  const first = failures[0];
  if (first !== undefined || message !== undefined) return { kind: "denied", reason: denialReason(first, message, requestId), requestId };
  return { kind: "unavailable", message: `certsrv answered the submission with a page Certeasy does not recognise: ${excerpt(text)}` };
}

/** The answer to `certnew.cer?ReqID=N&Enc=b64`. */
export function readRetrieval(contentType: string, body: Uint8Array): RetrievalPage {
  if (!/html/i.test(contentType)) {
    const [certificateDer] = certificatesInFile(body);
    if (certificateDer !== undefined) return { kind: "issued", certificateDer };
    return { kind: "unavailable", message: `certsrv sent ${contentType || "a response without Content-Type"} that holds no certificate` };
  }
  const text = pageText(Buffer.from(body).toString("utf8"));
  const failures = findFailureHresults(text);
  const message = dispositionMessage(text);
  const unavailable = failures.find((found) => found.known?.kind === "unavailable");
  if (unavailable !== undefined) return { kind: "unavailable", message: `certsrv: ${explainHresult(unavailable)}` };
  if (failures.length === 0 && message !== undefined && /Taken Under Submission/i.test(message)) return { kind: "pending" };
  const first = failures[0];
  if (first !== undefined || (message !== undefined && /Denied/i.test(message))) return { kind: "denied", reason: denialReason(first, message, undefined) };
  return { kind: "unavailable", message: `certsrv answered the retrieval with a page Certeasy does not recognise: ${excerpt(text)}` };
}

/** certcarc.asp's `var nRenewals=N;`: the index of the CA's current certificate. */
export function readRenewalCount(html: string): number | undefined {
  const match = /nRenewals\s*=\s*(\d+)\s*;/.exec(html)?.[1];
  return match === undefined ? undefined : Number(match);
}

/** The site's home page: it links to the request and CA-certificate pages, whatever its language. */
export const isCertsrvHome = (html: string): boolean => /certrqus\.asp|certcarc\.asp|certckpn\.asp/i.test(html);

/** Visible text: comments and tags dropped, entities that matter decoded, whitespace kept for line matches. */
function pageText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, " ")
    .replace(/<script[\s\S]*?<\/script>/gi, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/&quot;/g, '"')
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&");
}

function dispositionMessage(text: string): string | undefined {
  const said = DISPOSITION_QUOTED.exec(text)?.[1] ?? DISPOSITION_LINE.exec(text)?.[1] ?? QUOTED_WITH_HRESULT.exec(text)?.[1];
  const tidy = said === undefined ? "" : excerpt(said);
  return tidy === "" ? undefined : tidy;
}
