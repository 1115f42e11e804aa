/**
 * Challenge validation (RFC 8555 §8, RFC 8737, RFC 8738): `createValidator` turns the DNS
 * validation profiles into the function the validation queue calls for each challenge, CAA
 * (RFC 8659, RFC 8657) included; `createCaaChecker` is the CAA check alone, for finalization.
 */
export type {
  ChallengeToValidate,
  ChallengeType,
  ValidationOutcome,
  ValidationProblem,
  ValidationProblemType,
  Validator,
} from "./types.js";
export type { ResolverZone, ValidationProfile } from "./profile.js";
export type { ChallengeCheck, CheckContext } from "./context.js";
export { createValidator, ValidationSetupError, type ValidatorOptions } from "./create-validator.js";
export { keyAuthorizationDigest } from "./dns-01.js";
export { createCaaChecker, type CaaChecker, type CaaCheckRequest } from "./create-caa-checker.js";
export type { CaaOutcome } from "./caa/types.js";
