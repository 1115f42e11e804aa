/**
 * A decider's refusal (DomainError) as the one HTTP error type. Only the status code is chosen
 * here; the RFC 8555 §6.7 type and the detail come from the domain.
 */
import type { DomainError } from "../domain/domain-error.js";
import { AcmeProblem } from "./problem.js";

const statusOf: Readonly<Record<DomainError["type"], number>> = {
  accountDoesNotExist: 400,
  // RFC 9773 §5 names no status; 409 says "the state of the resource forbids it"
  alreadyReplaced: 409,
  alreadyRevoked: 400,
  badCSR: 400,
  badRevocationReason: 400,
  // A lookup that failed (finalization's CAA re-check): the request was right and may be sent
  // again once the DNS answers, hence 503 with Retry-After rather than a 4xx the client would
  // take as final.
  dns: 503,
  invalidProfile: 400,
  orderNotReady: 403,
  rateLimited: 429,
  externalAccountRequired: 400,
  invalidContact: 400,
  malformed: 400,
  rejectedIdentifier: 400,
  unsupportedIdentifier: 400,
  unauthorized: 403,
  unsupportedContact: 400,
  userActionRequired: 403,
};

export function domainProblem(error: DomainError): AcmeProblem {
  return new AcmeProblem({
    type: error.type,
    status: statusOf[error.type],
    detail: error.detail,
    ...(error.subproblems ? { subproblems: error.subproblems } : {}),
    ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}),
  });
}
