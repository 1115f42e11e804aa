/** The problem documents the JWS layer answers with (RFC 8555 §6.2, §6.5, §6.7). */
import { AcmeProblem } from "../../http/problem.js";
import { ACME_JWS_ALGORITHMS } from "./algorithms.js";

export function malformed(detail: string, status = 400): AcmeProblem {
  return new AcmeProblem({ type: "malformed", status, detail });
}

/** RFC 8555 §6.2: 400, and the document MUST list the algorithms the server accepts. */
export function badSignatureAlgorithm(detail: string): AcmeProblem {
  return new AcmeProblem({ type: "badSignatureAlgorithm", status: 400, detail, algorithms: ACME_JWS_ALGORITHMS });
}

export function badPublicKey(detail: string): AcmeProblem {
  return new AcmeProblem({ type: "badPublicKey", status: 400, detail });
}

/** RFC 8555 §6.5: 400; the response carries a fresh Replay-Nonce like every ACME response. */
export function badNonce(detail: string): AcmeProblem {
  return new AcmeProblem({ type: "badNonce", status: 400, detail });
}
