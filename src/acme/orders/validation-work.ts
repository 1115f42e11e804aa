/**
 * Challenge validation as a work queue (RFC 8555 §7.5.1, §8): every challenge that enters
 * `processing` — found at boot in acme_challenges, then live from committed
 * `acme.challenge.processing` events — is validated with bounded concurrency, retried on
 * connection and DNS failures (RFC 8555 §8.2: the server MAY retry; a CAA lookup that failed is
 * a DNS failure), and its verdict — a CAA refusal included — appended
 * to the order's stream, which moves the authorization and the order on.
 */
import { filter, type Observable, type Subscription } from "rxjs";
import type { Logger } from "pino";
import type { StoredEvent } from "../../../events/index.js";
import { findAuthorization } from "../../domain/order/index.js";
import type { ValidationOutcome, Validator } from "../../validation/index.js";
import { WorkQueue } from "../work/work-queue.js";
import type { OrderService } from "./order-service.js";

export interface ValidationJob {
  readonly orderId: string;
  readonly authzId: string;
  readonly challengeId: string;
}

export interface ValidationWorkOptions {
  readonly orders: OrderService;
  readonly validator: Validator;
  /** the DNS validation profile an issuance policy names (reference §3.4); null: by zone suffix */
  readonly validationProfileOf?: (policy: string) => string | null;
  /** the account's URLs, which an RFC 8657 `accounturi` in a CAA record is compared with */
  readonly accountUrlsOf: (accountId: string) => readonly string[];
  readonly committed$: Observable<StoredEvent>;
  readonly concurrency: number;
  /** extra attempts after a connection or DNS failure */
  readonly retries: number;
  readonly retryDelayMs?: number;
  readonly clock: () => Date;
  readonly log: Logger;
  readonly onOutcome?: (type: string, outcome: ValidationOutcome["status"]) => void;
}

export interface ValidationWork {
  readonly queue: WorkQueue<ValidationJob>;
  stop(timeoutMs: number): Promise<{ readonly unfinished: number }>;
}

const RETRYABLE = new Set(["connection", "dns"]);
const META = { actor: "validator" } as const;

export async function startValidationWork(options: ValidationWorkOptions): Promise<ValidationWork> {
  const { orders, log } = options;
  const queue = new WorkQueue<ValidationJob>({
    name: "validation",
    concurrency: options.concurrency,
    key: (job) => job.challengeId,
    handle: (job) => validate(job, options),
    log,
  });
  // Live first, then the backlog: a challenge committed in between is in both, and the queue's key dedupes it.
  const live: Subscription = options.committed$
    .pipe(filter((e) => e.type === "acme.challenge.processing"))
    .subscribe((event) => {
      const data = event.data as { authzId: string; challengeId: string };
      queue.enqueue({ orderId: event.sid.slice("order:".length), authzId: data.authzId, challengeId: data.challengeId });
    });
  const backlog = await orders.challengesInStatus("processing");
  for (const row of backlog) queue.enqueue({ orderId: row.orderId, authzId: row.authzId, challengeId: row.challengeId });
  if (backlog.length > 0) log.info({ challenges: backlog.length }, "resuming validations interrupted by the last stop");
  return {
    queue,
    stop: async (timeoutMs) => {
      live.unsubscribe();
      return queue.drain(timeoutMs);
    },
  };
}

async function validate(job: ValidationJob, options: ValidationWorkOptions): Promise<void> {
  const { state } = await options.orders.load(job.orderId);
  const authorization = state ? findAuthorization(state, job.authzId) : undefined;
  const challenge = authorization?.challenges.find((c) => c.challengeId === job.challengeId);
  if (!state || !authorization || challenge?.status !== "processing" || challenge.keyAuthorization === null) return;
  const request = {
    type: challenge.type,
    identifier: authorization.identifier,
    wildcard: authorization.wildcard,
    accountUris: options.accountUrlsOf(state.accountId),
    token: challenge.token,
    keyAuthorization: challenge.keyAuthorization,
    profile: options.validationProfileOf?.(state.policy) ?? null,
  };
  let outcome = await options.validator(request);
  for (let attempt = 0; attempt < options.retries && outcome.status === "invalid" && RETRYABLE.has(outcome.problem.type); attempt++) {
    await delay((options.retryDelayMs ?? 1_000) * 2 ** attempt);
    outcome = await options.validator(request);
  }
  options.onOutcome?.(challenge.type, outcome.status);
  options.log.info(
    {
      orderId: job.orderId,
      challengeId: job.challengeId,
      type: challenge.type,
      identifier: authorization.identifier.value,
      status: outcome.status,
      // caa, dns, connection…: what operators count refusals by (RFC 8555 §6.7)
      ...(outcome.status === "invalid" ? { problem: outcome.problem.type } : {}),
      address: outcome.address,
    },
    "challenge validated",
  );
  await options.orders.change(
    job.orderId,
    () => ({
      kind: "record-validation",
      authzId: job.authzId,
      challengeId: job.challengeId,
      now: options.clock(),
      outcome:
        outcome.status === "valid"
          ? { status: "valid", address: outcome.address }
          : { status: "invalid", error: { type: outcome.problem.type, detail: outcome.problem.detail }, address: outcome.address },
    }),
    META,
  );
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
