/**
 * The ACME problem (RFC 8555 §6.7) a client received, found in what it wrote: certbot logs the
 * server's response body (application/problem+json) in its debug log; lego prints
 * `urn:ietf:params:acme:error:<type> :: <detail>` on stderr.
 */

export interface AcmeError {
  /** the short type, e.g. `badCSR` */
  readonly type: string;
  readonly detail: string;
}

const PROBLEM_JSON = /\{"type":"urn:ietf:params:acme:error:[^\n]*\}/g;
const LEGO_ERROR = /urn:ietf:params:acme:error:([A-Za-z]+) :: ([^\n]*)/g;

/** The last ACME problem in `text`, or null when there is none. */
export function lastAcmeError(text: string): AcmeError | null {
  const documents = [...text.matchAll(PROBLEM_JSON)].flatMap((match): AcmeError[] => {
    try {
      const problem = JSON.parse(match[0]) as { type?: unknown; detail?: unknown };
      if (typeof problem.type !== "string") return [];
      return [{ type: problem.type.replace("urn:ietf:params:acme:error:", ""), detail: typeof problem.detail === "string" ? problem.detail : "" }];
    } catch {
      return [];
    }
  });
  if (documents.length > 0) return documents[documents.length - 1] ?? null;
  const printed = [...text.matchAll(LEGO_ERROR)].at(-1);
  return printed === undefined ? null : { type: printed[1] ?? "", detail: (printed[2] ?? "").trim() };
}
