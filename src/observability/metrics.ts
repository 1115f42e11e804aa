/**
 * The node's Prometheus metrics (issue 6, Observability). One `Registry` per process, never
 * prom-client's global default: tests build several apps in one process, and nothing a library
 * registers globally leaks into our exposition.
 *
 * Every label is bounded: routes are the registered patterns (`/acme/acct/:accountId`, never
 * the raw path), event types come from the catalogue, readiness checks are a fixed list. The
 * log position and readiness are read at scrape time, so they are never stale.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { StoredEvent } from "../../events/index.js";
import { ORDER_STATUS_OF } from "../../projections/index.js";
import type { Readiness } from "../http/routes/health.js";
import type { AuthorityCall } from "../acme/observed-authority.js";
import { ORDER_STATUSES, type OrderStatusCounts } from "../store/order-status-counts.js";
import type { WriterBatchStats } from "../store/writer.js";

export const METRIC_PREFIX = "certeasy_";


export interface HttpRequestLabels {
  readonly route: string;
  readonly method: string;
  readonly status: number;
}

/** Node state read on every scrape. */
export interface NodeMetricSources {
  /** position of the last event the node's in-memory projections have applied */
  readonly logPosition: () => number;
  /** the same checks `/readyz` answers with */
  readonly readiness: Readiness;
}

// Group commit takes up to DEFAULT_MAX_BATCH (128) commands by default; a command rarely
// carries more than a handful of events.
const BATCH_SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
// A commit includes an fsync of the database and one of the audit file: sub-millisecond on a
// RAM disk, tens of milliseconds on a busy spinning disk.
const COMMIT_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
// The embedded CA signs in about a millisecond; certreq/certutil and Web Enrollment take
// seconds, up to their `default-timeout`.
const AUTHORITY_SECONDS_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * How often prom-client's event-loop-delay monitor (`nodejs_eventloop_lag_*` from
 * `monitorEventLoopDelay`) samples. Its default, 10 ms, wakes an idle server 100 times a second
 * (docs/benchmarks.md, idle cost). Each sample is the time between two ticks, so the gauges read
 * this interval plus the delay: about 0.1 s on a quiet loop. A stall of 100 ms or more always
 * shows; a shorter one shows when it covers a tick.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

export class CerteasyMetrics {
  readonly registry = new Registry();
  readonly #requests: Counter<"route" | "method" | "status">;
  readonly #requestSeconds: Histogram<"route" | "method">;
  readonly #batchCommands: Histogram;
  readonly #batchEvents: Histogram;
  readonly #commitSeconds: Histogram;
  readonly #writerStageSeconds: Histogram<"stage">;
  readonly #appended: Counter<"type">;
  readonly #orderTransitions: Counter<"status">;
  readonly #validations: Counter<"type" | "outcome">;
  readonly #revocations: Counter<"authority" | "outcome">;
  readonly #issuanceSeconds: Histogram;
  readonly #licenseDenials: Counter<"reason">;
  readonly #rateLimitDenials: Counter<"limiter">;
  readonly #authoritySeconds: Histogram<"authority" | "operation" | "outcome">;
  /**
   * commit time of `acme.order.finalizing` per order still waiting for its certificate: bounded
   * by the orders in `processing`, each of which ends valid or invalid (at the latest when
   * `acme.pending-deadline` gives up on a CA that holds it)
   */
  readonly #finalizingSince = new Map<string, number>();

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    this.#requests = new Counter({
      name: `${METRIC_PREFIX}http_requests_total`,
      help: "HTTP requests answered, by matched route pattern (unmatched when none), method and status",
      labelNames: ["route", "method", "status"],
      registers,
    });
    this.#requestSeconds = new Histogram({
      name: `${METRIC_PREFIX}http_request_duration_seconds`,
      help: "Time to answer an HTTP request, by matched route pattern and method",
      labelNames: ["route", "method"],
      registers,
    });
    this.#batchCommands = new Histogram({
      name: `${METRIC_PREFIX}event_writer_batch_commands`,
      help: "Append commands per group commit",
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    });
    this.#batchEvents = new Histogram({
      name: `${METRIC_PREFIX}event_writer_batch_events`,
      help: "Events committed per group commit",
      buckets: BATCH_SIZE_BUCKETS,
      registers,
    });
    this.#commitSeconds = new Histogram({
      name: `${METRIC_PREFIX}event_writer_commit_seconds`,
      help: "Group commit latency: transaction start until the events are mirrored to the audit file",
      buckets: COMMIT_SECONDS_BUCKETS,
      registers,
    });
    this.#writerStageSeconds = new Histogram({
      name: `${METRIC_PREFIX}event_writer_stage_seconds`,
      help: "Where an append's time goes: queued (each command, until its transaction starts), transaction (until the database acknowledged the commit), audit_file (until the batch's lines are durable)",
      labelNames: ["stage"],
      buckets: COMMIT_SECONDS_BUCKETS,
      registers,
    });
    this.#appended = new Counter({
      name: `${METRIC_PREFIX}events_appended_total`,
      help: "Events this process committed to the log, by event type",
      labelNames: ["type"],
      registers,
    });
    this.#orderTransitions = new Counter({
      name: `${METRIC_PREFIX}order_transitions_total`,
      help: "Orders entering each status (RFC 8555 §7.1.6): pending, ready, processing, valid, invalid",
      labelNames: ["status"],
      registers,
    });
    this.#validations = new Counter({
      name: `${METRIC_PREFIX}challenge_validations_total`,
      help: "Challenge validations finished, by challenge type and outcome",
      labelNames: ["type", "outcome"],
      registers,
    });
    this.#revocations = new Counter({
      name: `${METRIC_PREFIX}revocation_propagation_total`,
      help: "Revocation propagation outcomes by authority: published, skipped, failed (one attempt), abandoned",
      labelNames: ["authority", "outcome"],
      registers,
    });
    this.#issuanceSeconds = new Histogram({
      name: `${METRIC_PREFIX}issuance_duration_seconds`,
      help: "From finalization to the issued certificate being recorded (CA time included)",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600],
      registers,
    });
    this.#licenseDenials = new Counter({
      name: `${METRIC_PREFIX}license_denials_total`,
      help: "New orders refused by the license's managed-server limit, by reason code (every refusal, recorded or not)",
      labelNames: ["reason"],
      registers,
    });
    this.#rateLimitDenials = new Counter({
      name: `${METRIC_PREFIX}rate_limit_denials_total`,
      help: "Requests refused 429 rateLimited, by limit (every refusal, also those not recorded in the log)",
      labelNames: ["limiter"],
      registers,
    });
    this.#authoritySeconds = new Histogram({
      name: `${METRIC_PREFIX}authority_call_duration_seconds`,
      help: "Certificate authority call latency, by authority, operation (submit, poll, revoke, health) and outcome",
      labelNames: ["authority", "operation", "outcome"],
      buckets: AUTHORITY_SECONDS_BUCKETS,
      registers,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition format (version 0.0.4). */
  exposition(): Promise<string> {
    return this.registry.metrics();
  }

  observeHttpRequest(labels: HttpRequestLabels, seconds: number): void {
    this.#requests.inc({ route: labels.route, method: labels.method, status: String(labels.status) });
    this.#requestSeconds.observe({ route: labels.route, method: labels.method }, seconds);
  }

  /** Pass as `NodeOptions.onBatch`. */
  readonly observeWriterBatch = (stats: WriterBatchStats): void => {
    this.#batchCommands.observe(stats.commands);
    this.#batchEvents.observe(stats.events);
    this.#commitSeconds.observe(stats.ms / 1000);
    for (const ms of stats.queuedMs) this.#writerStageSeconds.observe({ stage: "queued" }, ms / 1000);
    this.#writerStageSeconds.observe({ stage: "transaction" }, stats.transactionMs / 1000);
    this.#writerStageSeconds.observe({ stage: "audit_file" }, stats.auditFileMs / 1000);
  };

  /** Pass as `NodeOptions.onCommitted`: called for every event on the writer's `committed$`. */
  readonly countCommitted = (event: StoredEvent): void => {
    this.#appended.inc({ type: event.type });
    const status = ORDER_STATUS_OF[event.type];
    if (status === undefined) return;
    this.#orderTransitions.inc({ status });
    const at = Date.parse(event.at);
    if (status === "processing") this.#finalizingSince.set(event.sid, at);
    if (status === "valid" || status === "invalid") {
      const since = this.#finalizingSince.get(event.sid);
      this.#finalizingSince.delete(event.sid);
      if (status === "valid" && since !== undefined) this.#issuanceSeconds.observe(Math.max(0, at - since) / 1000);
    }
  };

  /** A validator verdict (validation queue's `onOutcome`). */
  readonly countValidation = (type: string, outcome: "valid" | "invalid"): void => {
    this.#validations.inc({ type, outcome });
  };

  /** One revocation propagation outcome (revocation queue's `onOutcome`). */
  readonly countRevocationOutcome = (authority: string, outcome: "published" | "skipped" | "failed" | "abandoned"): void => {
    this.#revocations.inc({ authority, outcome });
  };

  /** A new order the license refused (pass as the license gate's `onDenied`). */
  readonly countLicenseDenial = (reason: string): void => {
    this.#licenseDenials.inc({ reason });
  };

  /** A rate-limit refusal (pass as the DenialRecorder's `onDenied`). */
  readonly countRateLimitDenial = (limiter: string): void => {
    this.#rateLimitDenials.inc({ limiter });
  };

  /** One finished certificate authority call (pass as `startAcmeServices`' `onAuthorityCall`). */
  readonly observeAuthorityCall = (call: AuthorityCall): void => {
    this.#authoritySeconds.observe({ authority: call.authority, operation: call.operation, outcome: call.outcome }, call.seconds);
  };

  /**
   * Registers `certeasy_orders{status}`, read at scrape time from the order status tally (a
   * memory projection, projections/memory/order-status-tally.ts): the numbers are never stale
   * and a scrape costs no database statement, however many orders the table holds. Call once
   * per process.
   */
  watchOrders(counts: (now: Date) => OrderStatusCounts, clock: () => Date): void {
    new Gauge({
      name: `${METRIC_PREFIX}orders`,
      help: "Orders in each RFC 8555 status now; pending and ready orders past their expiry count as invalid (RFC 8555 §7.1.6)",
      labelNames: ["status"],
      registers: [this.registry],
      collect() {
        const now = counts(clock());
        for (const status of ORDER_STATUSES) this.set({ status }, now[status]);
      },
    });
  }

  /** Registers the managed-servers gauge and its limit, read from the license projection at scrape time. Call once per process. */
  watchLicense(source: { managedServers(): number; maxManagedServers(): number | null }): void {
    new Gauge({
      name: `${METRIC_PREFIX}license_managed_servers`,
      help: "Managed servers: distinct accounts holding at least one unexpired, unrevoked certificate",
      registers: [this.registry],
      collect() {
        this.set(source.managedServers());
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}license_managed_servers_limit`,
      help: "The managed servers the license in force allows (-1: unlimited)",
      registers: [this.registry],
      collect() {
        this.set(source.maxManagedServers() ?? -1);
      },
    });
  }

  /** Registers the CA health gauge, read at scrape time from the last probe. Call once per process. */
  watchAuthorities(authorities: ReadonlyMap<string, { health(): Promise<{ readonly healthy: boolean }> }>): void {
    new Gauge({
      name: `${METRIC_PREFIX}authority_healthy`,
      help: "1 when the certificate authority answered its last health check (every minute), 0 otherwise",
      labelNames: ["authority"],
      registers: [this.registry],
      async collect() {
        for (const [name, authority] of authorities) {
          const healthy = await authority.health().then((h) => h.healthy, () => false);
          this.set({ authority: name }, healthy ? 1 : 0);
        }
      },
    });
  }

  /** Registers the gauges read from a running node at scrape time. Call once per process. */
  watchNode(sources: NodeMetricSources): void {
    new Gauge({
      name: `${METRIC_PREFIX}event_log_position`,
      help: "Global position of the last event this node's in-memory projections have applied",
      registers: [this.registry],
      collect() {
        this.set(sources.logPosition());
      },
    });
    new Gauge({
      name: `${METRIC_PREFIX}readiness`,
      help: "1 when the readiness check passes, 0 when it fails (the checks of /readyz)",
      labelNames: ["check"],
      registers: [this.registry],
      async collect() {
        this.reset();
        try {
          for (const check of await sources.readiness()) this.set({ check: check.name }, check.ready ? 1 : 0);
        } catch {
          // Same as /readyz: a probe that throws means "not ready", and /readyz logs the error.
          this.set({ check: "readiness" }, 0);
        }
      },
    });
  }
}
