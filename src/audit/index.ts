/** The per-node audit file (DESIGN §2 invariant 7): open and mirror at boot, verify on demand. */
export type { TornTail, LineFault } from "./chain.js";
export {
  AuditAheadOfDatabase,
  AuditDivergedFromDatabase,
  AuditEventNotOwned,
  AuditForeignServer,
  AuditMirrorStopped,
  AuditTampered,
  eventsAheadReason,
  type EventsAhead,
} from "./errors.js";
export { openAuditFile, type AuditLogger, type AuditOpenReport, type AuditStore, type OpenAuditFileOptions, type OpenedAuditFile } from "./file.js";
export type { AuditLine, ChainTip, EventLine, LifecycleDetails, LifecycleLine, LineKind } from "./line.js";
export type { AuditMirror } from "./mirror.js";
export { verifyAudit, type AuditFaultKind, type AuditVerification, type VerifyAuditOptions } from "./verify.js";
