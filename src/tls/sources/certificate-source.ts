/**
 * Where one bundle's certificate comes from (reference §9): files the operator maintains, or a
 * CA asked by the manager (bootstrap root, a Certeasy authority, an external ACME CA). The
 * manager calls `initial` once at start-up and `refresh` at every check; a source that throws
 * from `refresh` leaves the certificate being served in place.
 */
import type { ServerCredentials } from "../server-credentials.js";

export interface CertificateSource {
  /** The certificate to serve from the start: cached while still good, otherwise acquired. Throws when there is none. */
  initial(now: Date): Promise<ServerCredentials>;
  /** A replacement for `current` when one is due or appeared, `undefined` when `current` stays. */
  refresh(current: ServerCredentials, now: Date): Promise<ServerCredentials | undefined>;
  close(): Promise<void>;
}

/** Whether cached credentials can be served as they are; the reason when not, for the log. */
export type CacheVerdict = { readonly usable: true } | { readonly usable: false; readonly reason: string };
