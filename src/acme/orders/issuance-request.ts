/**
 * The two translations between an order and its authority (RFC 8555 §7.4): the request an
 * authority is given for a finalized order, and the facts recorded from the certificate it
 * issued. One place, so the issuance queue and finalize's in-process issuance agree.
 */
import type { IssuanceRequest, IssuedCertificate } from "../../ca/authority.js";
import type { CertificateFacts, OrderState } from "../../domain/order/index.js";
import { uuidv7 } from "../../store/uuid.js";

export interface FinalizedRequest {
  readonly csrDer: Uint8Array;
  readonly publicKeySpki: Uint8Array;
  readonly extraEkus: readonly string[];
}

/** The order id is the request key: submitting one order twice never issues twice (DESIGN §2 invariant 9). */
export function issuanceRequest(order: Pick<OrderState, "orderId" | "identifiers" | "notBefore" | "notAfter">, request: FinalizedRequest): IssuanceRequest {
  return {
    requestKey: order.orderId,
    csrDer: request.csrDer,
    publicKeySpki: request.publicKeySpki,
    identifiers: order.identifiers,
    ...(order.notBefore !== null ? { notBefore: new Date(order.notBefore) } : {}),
    ...(order.notAfter !== null ? { notAfter: new Date(order.notAfter) } : {}),
    extraEkus: request.extraEkus,
  };
}

export function certificateFacts(certificate: IssuedCertificate, spkiSha256: string): CertificateFacts {
  return {
    certificateId: uuidv7(),
    serial: certificate.serialHex,
    aki: certificate.akiHex,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    chainPem: certificate.chainPem,
    spkiSha256,
  };
}
