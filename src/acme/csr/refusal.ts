/**
 * Why a CSR was refused, as one client-safe sentence. Thrown inside the checker and caught once in
 * `checkCsr`, which turns it into `{ ok: false, detail }`; the HTTP layer renders that detail as a
 * `badCSR` problem (RFC 8555 §6.7, §7.4).
 */
export class CsrRefusal extends Error {
  override readonly name = "CsrRefusal" as const;

  constructor(readonly detail: string) {
    super(detail);
  }
}

/** A refusal for an encoding that is not the one DER encoding of its value (X.690 §10). */
export function notDer(what: string, problem: string): CsrRefusal {
  return new CsrRefusal(`The CSR is not valid DER: ${what} ${problem}.`);
}
