export { ACME_JWS_ALGORITHMS, type AcmeJwsAlgorithm } from "./algorithms.js";
export { AccountKeyCache, DEFAULT_ACCOUNT_KEY_CACHE_SIZE } from "./account-key-cache.js";
export { jwkThumbprint, parsePublicJwk, type AcmePublicJwk } from "./public-jwk.js";
export {
  AcmeJwsVerifier,
  JOSE_CONTENT_TYPE,
  type AccountKeyResolver,
  type AcmeJwsRequest,
  type AcmeJwsVerifierDeps,
  type AcmeProtectedHeader,
  type VerifiedAcmeRequest,
  type VerifyAcmeJwsOptions,
} from "./verify-acme-jws.js";
