export { EAB_ALGORITHMS, parseEabBinding, verifyEabBinding, type EabAlgorithm, type EabBindingJws } from "./binding-jws.js";
export { decideEab, type EabCommand, type EabDecision } from "./decide.js";
export { evolveEabKey, foldEabKey, isEabEvent, type EabKeyState } from "./eab-key-state.js";
export {
  EabService,
  type CreatedEabKey,
  type CreateEabKeyRequest,
  type EabClaim,
  type EabKeySummary,
  type EabOutcome,
  type EabRequestMeta,
  type EabServiceOptions,
  type RevokedEabKey,
} from "./eab-service.js";
export { EabKeyNotFoundError, EabRequestError } from "./errors.js";
export { EAB_KEK_FILE, EabKeyDecryptionError, KeyEncryptionKeyError, KeyEncryptionKeyFile } from "./key-encryption-key.js";
export { canonicalNameRules, canonicalProfiles, eabScopeAllows, type EabScope, type ScopeVerdict } from "./scope.js";
