/**
 * Issuance as a work queue (RFC 8555 §7.4): every order in `processing` — found at boot, then
 * live from each commit that leaves one there (ordersLeftProcessing) — is submitted to its authority with the
 * order id as idempotency key. The answer is appended to the order's stream: the certificate
 * (order valid), the CA's request id while it awaits approval (polled again later), or the
 * refusal (order invalid). An unreachable CA throws, and the queue retries with backoff.
 *
 * Every submission to a CA outside the process is first recorded (`acme.order.submitting`), so a crash never submits twice
 * (issue 4; adcs.md §2.2's "RequestId as a checkpoint"): a restart that finds a recorded
 * submission without the authority's answer cannot know whether the CA holds the request, and an
 * authority outside the process is not asked again — the order becomes invalid, saying so, and the
 * client orders anew. Within one process the authority's own request memory (keyed by order id)
 * makes a retried submit return the first answer.
 */
import type { Observable, Subscription } from "rxjs";
import type { Logger } from "pino";
import { orderStreamId, type StoredEvent } from "../../../events/index.js";
import { AuthorityUnavailableError, SubmissionInDoubtError, type CertificateAuthority, type SubmitOutcome } from "../../ca/authority.js";
import type { OrderState } from "../../domain/order/index.js";
import { certificateFacts, issuanceRequest } from "./issuance-request.js";
import { WorkQueue } from "../work/work-queue.js";
import type { OrderService } from "./order-service.js";

export interface IssuanceJob {
  readonly orderId: string;
}

export interface IssuanceWorkOptions {
  readonly orders: OrderService;
  readonly authorities: ReadonlyMap<string, CertificateAuthority>;
  /** committed events, one emission per commit (`EventWriter.committedBatches$`) */
  readonly committedBatches$: Observable<readonly StoredEvent[]>;
  readonly concurrency: number;
  /** how often a request the CA holds for approval is polled */
  readonly pollIntervalMs: number;
  /** how long the CA may hold it before the order is given up (`acme.pending-deadline`) */
  readonly pendingDeadlineMs: number;
  readonly clock: () => Date;
  readonly log: Logger;
}

export interface IssuanceWork {
  readonly queue: WorkQueue<IssuanceJob>;
  stop(timeoutMs: number): Promise<{ readonly unfinished: number }>;
}

const META = { actor: "issuer" } as const;
const ORDER_STREAM_PREFIX = orderStreamId("");
/** a bound on failovers in one pass: a policy lists a handful of authorities */
const MAX_AUTHORITIES = 16;

export async function startIssuanceWork(options: IssuanceWorkOptions): Promise<IssuanceWork> {
  const { orders, log } = options;
  // Orders this process submitted (or recorded the submission of): a recorded submission of any
  // other order without an answer was cut short by an earlier process.
  const submittedHere = new Map<string, string>();
  const polls = new Set<NodeJS.Timeout>();
  const queue: WorkQueue<IssuanceJob> = new WorkQueue<IssuanceJob>({
    name: "issuance",
    concurrency: options.concurrency,
    key: (job) => job.orderId,
    handle: async (job) => {
      let pending = false;
      // A failover moves the request to the next authority, which is tried at once.
      for (let attempt = 0; attempt < MAX_AUTHORITIES; attempt++) {
        const pass = await issue(job, options, submittedHere);
        pending = pass === "pending";
        if (pass !== "failed-over") break;
      }
      // The authority answered (the log has it now): nothing is left to tell apart.
      submittedHere.delete(job.orderId);
      if (!pending) return;
      const timer = setTimeout(() => {
        polls.delete(timer);
        queue.enqueue(job);
      }, options.pollIntervalMs);
      timer.unref();
      polls.add(timer);
    },
    log,
  });
  const live: Subscription = options.committedBatches$.subscribe((events) => {
    for (const orderId of ordersLeftProcessing(events)) queue.enqueue({ orderId });
  });
  const backlog = await orders.ordersInStatus("processing");
  for (const row of backlog) queue.enqueue({ orderId: row.orderId });
  if (backlog.length > 0) log.info({ orders: backlog.length }, "resuming issuances interrupted by the last stop");
  return {
    queue,
    stop: async (timeoutMs) => {
      live.unsubscribe();
      for (const timer of polls) clearTimeout(timer);
      return queue.drain(timeoutMs);
    },
  };
}

/**
 * The orders a commit left in `processing`: finalized without the authority's answer. A finalize
 * whose in-process issuance succeeded commits `acme.order.valid` (or `invalid`) in the same
 * append, and a job for it would only re-read a finished order's stream to find nothing to do;
 * one whose in-request issuance failed commits `finalizing` alone, and the job takes it over.
 */
export function ordersLeftProcessing(events: readonly StoredEvent[]): string[] {
  const processing = new Set<string>();
  for (const event of events) {
    if (!event.sid.startsWith(ORDER_STREAM_PREFIX)) continue;
    const orderId = event.sid.slice(ORDER_STREAM_PREFIX.length);
    if (event.type === "acme.order.finalizing") processing.add(orderId);
    else if (event.type === "acme.order.valid" || event.type === "acme.order.invalid") processing.delete(orderId);
  }
  return [...processing];
}

/** One pass over an order in `processing`: done, still held by the CA, or moved to another authority. */
type IssuancePass = "done" | "pending" | "failed-over";

/** `submittedHere`: order id → the authority this process recorded a submission to. */
async function issue(job: IssuanceJob, options: IssuanceWorkOptions, submittedHere: Map<string, string>): Promise<IssuancePass> {
  const { state } = await options.orders.load(job.orderId);
  if (state?.status !== "processing" || state.csr === null || state.finalization === null || state.authority === null) return "done";
  const authority = options.authorities.get(state.authority);
  if (!authority) {
    return fail(options, state, "serverInternal", `The certificate authority ${JSON.stringify(state.authority)} is no longer configured.`);
  }
  const { finalization } = state;
  // Only a CA outside the process can hold a request the log never heard of: the embedded CA's
  // submissions are not recorded (an event and a commit fewer per order), they simply run again.
  const submitting = state.pendingRequestId === null && authority.submitsInProcess !== true;
  if (submitting && state.submittingTo === state.authority && submittedHere.get(state.orderId) !== state.authority) {
    return giveUp(options, state, "Certeasy stopped while submitting this request to the certificate authority");
  }
  if (submitting) {
    submittedHere.set(state.orderId, state.authority);
    await options.orders.change(job.orderId, () => ({ kind: "record-submitting" }), META);
  }
  let outcome: SubmitOutcome;
  try {
    outcome = state.pendingRequestId === null ? await submit(authority, state, finalization) : await authority.poll(state.pendingRequestId);
  } catch (error) {
    if (error instanceof SubmissionInDoubtError) return giveUp(options, state, `The submission's answer was lost (${error.message}) while submitting this request to the certificate authority`);
    // Reference §3.3 first_available: an unreachable authority hands a request nobody holds yet
    // to the next one; with none left (or a request already pending there) the queue retries.
    if (!(error instanceof AuthorityUnavailableError) || state.pendingRequestId !== null || state.fallbacks.length === 0) throw error;
    options.log.warn({ orderId: state.orderId, authority: state.authority, next: state.fallbacks[0], err: error }, "certificate authority unreachable: failing over");
    await options.orders.change(job.orderId, () => ({ kind: "fail-over", reason: error.message }), META);
    return "failed-over";
  }
  switch (outcome.kind) {
    case "issued":
      await options.orders.change(job.orderId, () => ({ kind: "record-issued", certificate: certificateFacts(outcome.certificate, finalization.spkiSha256) }), META);
      return "done";
    case "pending": {
      const now = options.clock();
      const since = state.pendingSince === null ? now.getTime() : Date.parse(state.pendingSince);
      if (now.getTime() - since >= options.pendingDeadlineMs) {
        const hours = Math.round(options.pendingDeadlineMs / 3_600_000);
        return fail(options, state, "unauthorized", `The certificate authority did not approve request ${outcome.requestId} within ${hours} h; create a new order.`);
      }
      await options.orders.change(job.orderId, () => ({ kind: "record-pending", requestId: outcome.requestId, now }), META);
      return "pending";
    }
    case "denied":
      return fail(options, state, "unauthorized", `The certificate authority refused the request: ${outcome.reason}`);
  }
}

function submit(authority: CertificateAuthority, state: OrderState, finalization: NonNullable<OrderState["finalization"]>): Promise<SubmitOutcome> {
  return authority.submit(
    issuanceRequest(state, {
      csrDer: Buffer.from(state.csr ?? "", "base64url"),
      publicKeySpki: Buffer.from(finalization.publicKey, "base64url"),
      extraEkus: finalization.extraEkus,
    }),
  );
}

/**
 * DESIGN §2 invariant 9: a submission that may have reached a CA outside the process without its
 * answer being recorded is never made again — not to that CA, not to another — so the order fails
 * and the client orders anew. `what` says how the answer was lost.
 */
function giveUp(options: IssuanceWorkOptions, state: OrderState, what: string): Promise<"done"> {
  return fail(
    options,
    state,
    "serverInternal",
    `${what} ${JSON.stringify(state.authority)}, before its answer was recorded. The CA may hold the request, so it is not submitted a second time: create a new order.`,
  );
}

async function fail(options: IssuanceWorkOptions, state: OrderState, type: string, detail: string): Promise<"done"> {
  options.log.warn({ orderId: state.orderId, authority: state.authority, detail }, "issuance failed");
  await options.orders.change(state.orderId, () => ({ kind: "record-issuance-failed", error: { type, detail } }), META);
  return "done";
}
