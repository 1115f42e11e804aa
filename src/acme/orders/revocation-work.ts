/**
 * Revocation propagation as a work queue (behaviour reference §2.4): the ACME response to
 * revokeCert (RFC 8555 §7.6) is sent once `acme.certificate.revoked` is committed; this queue
 * then tells the certificate's authority — `certutil -revoke` for adcs-cli, a regenerated CRL for
 * the embedded CA — and records each outcome in `revocation:<certificateId>`. Jobs come from the
 * pending-revocations projection at boot and from committed revocations live; a failed attempt
 * waits for the back-off the decider (src/domain/revocation) chose, across restarts too, since
 * the next attempt time is in the log.
 */
import { filter, type Observable, type Subscription } from "rxjs";
import type { Logger } from "pino";
import { decodeEvent, revocationStreamId, type CerteasyEvent, type PendingEvent, type StoredEvent } from "../../../events/index.js";
import { AuthorityUnavailableError, RevocationUnsupportedError, type CertificateAuthority } from "../../ca/authority.js";
import {
  attemptOutcome,
  foldPublication,
  nextStep,
  type AttemptResult,
  type PublicationPolicy,
  type RevokedCertificate,
} from "../../domain/revocation/publication.js";
import type { EventStoreDialect } from "../../store/dialect.js";
import { toStoredEvent } from "../../store/rows.js";
import type { EventWriter } from "../../store/writer.js";
import { WorkQueue } from "../work/work-queue.js";
import type { OrderService } from "./order-service.js";

export type RevocationOutcome = "published" | "skipped" | "failed" | "abandoned";

export interface RevocationWorkOptions {
  readonly orders: OrderService;
  readonly dialect: Pick<EventStoreDialect, "readStream">;
  readonly writer: Pick<EventWriter, "append">;
  readonly committed$: Observable<StoredEvent>;
  /** the configured authorities by name */
  readonly authorities: ReadonlyMap<string, CertificateAuthority>;
  /** authorities with `disable-ca-revocation: true` */
  readonly keptLocal: ReadonlySet<string>;
  /** certificates whose propagation has not ended, at boot (the pending-revocations projection) */
  readonly backlog: Iterable<string>;
  readonly policy: PublicationPolicy;
  readonly concurrency: number;
  readonly clock: () => Date;
  readonly log: Logger;
  readonly onOutcome?: (authority: string, outcome: RevocationOutcome) => void;
}

export interface RevocationWork {
  readonly queue: WorkQueue<RevocationJob>;
  stop(timeoutMs: number): Promise<{ readonly unfinished: number }>;
}

export interface RevocationJob {
  readonly certificateId: string;
}

const META = { actor: "revocation-publisher" } as const;

export function startRevocationWork(options: RevocationWorkOptions): RevocationWork {
  const { log } = options;
  const timers = new Set<NodeJS.Timeout>();
  const later = (job: RevocationJob, at: number): void => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      queue.enqueue(job);
    }, Math.max(0, at - options.clock().getTime()));
    timer.unref();
    timers.add(timer);
  };
  const queue: WorkQueue<RevocationJob> = new WorkQueue<RevocationJob>({
    name: "revocation",
    concurrency: options.concurrency,
    key: (job) => job.certificateId,
    handle: async (job) => {
      const retryAt = await propagate(job, options);
      if (retryAt !== null) later(job, retryAt);
    },
    log,
  });
  const live: Subscription = options.committed$
    .pipe(filter((e) => e.type === "acme.certificate.revoked"))
    .subscribe((event) => {
      const decoded = decodeEvent(event);
      if (decoded.type === "acme.certificate.revoked") queue.enqueue({ certificateId: decoded.data.certificateId });
    });
  let resumed = 0;
  for (const certificateId of options.backlog) {
    queue.enqueue({ certificateId });
    resumed++;
  }
  if (resumed > 0) log.info({ revocations: resumed }, "resuming revocation propagation interrupted by the last stop");
  return {
    queue,
    stop: async (timeoutMs) => {
      live.unsubscribe();
      for (const timer of timers) clearTimeout(timer);
      return queue.drain(timeoutMs);
    },
  };
}

/** One pass: returns when to look again (a back-off), or null when nothing is left to do now. */
async function propagate(job: RevocationJob, options: RevocationWorkOptions): Promise<number | null> {
  const row = await options.orders.certificate(job.certificateId);
  if (row?.status !== "revoked" || row.revokedAt === null || row.revocationReason === null) return null;
  const authority = options.authorities.get(row.authority);
  const certificate: RevokedCertificate = {
    certificateId: row.certificateId,
    authority: row.authority,
    serial: row.serial,
    revokedAt: row.revokedAt,
    notPublishedBecause: !authority
      ? `the certificate authority ${JSON.stringify(row.authority)} is no longer configured`
      : options.keptLocal.has(row.authority)
        ? "the authority has disable-ca-revocation: the revocation is kept in Certeasy"
        : null,
  };
  const streamId = revocationStreamId(row.certificateId);
  const rows = await options.dialect.readStream(streamId);
  const state = foldPublication(rows.map((r) => decodeEvent(toStoredEvent(r))));
  const step = nextStep(state, certificate, options.policy, options.clock().getTime());
  switch (step.kind) {
    case "done":
      return null;
    case "wait":
      return step.until;
    case "end":
      await record(options, streamId, rows.length, step.events, certificate);
      return null;
    case "attempt": {
      await record(options, streamId, rows.length, step.events, certificate);
      const result = await ask(authority, row.serial, row.revocationReason, new Date(row.revokedAt), new Date(row.notAfter));
      const outcome = attemptOutcome(certificate, step.attempt, result, options.policy, options.clock().getTime());
      const written = await record(options, streamId, rows.length + step.events.length, outcome, certificate);
      const failed = written.find((e) => e.type === "acme.revocation.publish-failed");
      return failed?.type === "acme.revocation.publish-failed" && failed.data.nextAttemptAt !== null ? Date.parse(failed.data.nextAttemptAt) : null;
    }
  }
}

async function ask(authority: CertificateAuthority | undefined, serial: string, reason: number, revokedAt: Date, notAfter: Date): Promise<AttemptResult> {
  // nextStep skips an unconfigured authority before any attempt; this only satisfies the types.
  if (!authority) return { kind: "unsupported", error: "the certificate authority is no longer configured" };
  try {
    // notAfter lets the embedded CA drop the CRL entry once the certificate has expired (RFC 5280 §3.3).
    await authority.revoke(serial, reason, revokedAt, notAfter);
    return { kind: "published" };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof RevocationUnsupportedError) return { kind: "unsupported", error: message };
    if (error instanceof AuthorityUnavailableError) return { kind: "unavailable", error: message };
    // The backends throw their own errors for what no retry changes (reason code, serial form).
    return { kind: "refused", error: message };
  }
}

const OUTCOME_OF: Readonly<Record<string, RevocationOutcome>> = {
  "acme.revocation.published": "published",
  "acme.revocation.skipped": "skipped",
  "acme.revocation.publish-failed": "failed",
  "acme.revocation.abandoned": "abandoned",
};

/** Append at `version`: a second worker deciding on the same stream loses with a conflict. */
async function record(
  options: RevocationWorkOptions,
  streamId: string,
  version: number,
  events: readonly PendingEvent[],
  certificate: RevokedCertificate,
): Promise<readonly CerteasyEvent[]> {
  const stored = await options.writer.append({ streamId, expectedVersion: version, events, meta: META });
  const decoded = stored.map(decodeEvent);
  for (const event of decoded) {
    const outcome = OUTCOME_OF[event.type];
    if (outcome === undefined) continue;
    options.onOutcome?.(certificate.authority, outcome);
    const level = outcome === "published" || outcome === "skipped" ? "info" : "warn";
    options.log[level]({ certificateId: certificate.certificateId, serial: certificate.serial, authority: certificate.authority, event: event.type, data: event.data }, `revocation ${outcome}`);
  }
  return decoded;
}
