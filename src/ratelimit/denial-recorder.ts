/**
 * Records refusals in the log (`ratelimit.denied`) so auditors see them — once per limit and key
 * per Retry-After period: a client hammering a closed door must not turn the audit log into a
 * copy of its flood.
 */
import type { Logger } from "pino";
import type { AppendCommand } from "../store/dialect.js";
import type { EventWriter } from "../store/writer.js";
import type { RateLimitDenial, RateLimitName } from "./decision.js";
import { rateLimitDeniedCommand } from "./denied-event.js";
import { QuietPeriods } from "./quiet-periods.js";

const MIN_QUIET_MS = 1_000;

export class DenialRecorder {
  /** per limit|key: until when further denials of it are not recorded again */
  readonly #quiet = new QuietPeriods();

  constructor(
    private readonly writer: Pick<EventWriter, "append">,
    private readonly log: Logger,
    /** told of every refusal, also those the quiet period keeps out of the log (`/metrics`) */
    private readonly onDenied?: (limit: RateLimitName) => void,
  ) {}

  record(denial: RateLimitDenial, now: number, meta?: AppendCommand["meta"]): void {
    this.onDenied?.(denial.limit);
    if (!this.#quiet.claim(`${denial.limit}|${denial.key}`, now, Math.max(denial.retryAfterMs, MIN_QUIET_MS))) return;
    // The refusal is answered at once; its record follows (a failure to write it is logged).
    this.writer.append(rateLimitDeniedCommand(denial, meta)).catch((error: unknown) => {
      this.log.error({ err: error, limit: denial.limit }, "could not record a rate-limit refusal");
    });
  }
}
