/**
 * Records refusals in the log (`ratelimit.denied`) so auditors see them — once per limit and key
 * per Retry-After period: a client hammering a closed door must not turn the audit log into a
 * copy of its flood.
 */
import type { Logger } from "pino";
import type { AppendCommand } from "../store/dialect.js";
import type { EventWriter } from "../store/writer.js";
import type { RateLimitDenial } from "./decision.js";
import { rateLimitDeniedCommand } from "./denied-event.js";

const MAX_REMEMBERED = 10_000;
const MIN_QUIET_MS = 1_000;

export class DenialRecorder {
  /** limit|key → until when further denials of it are not recorded again */
  readonly #quietUntil = new Map<string, number>();

  constructor(
    private readonly writer: Pick<EventWriter, "append">,
    private readonly log: Logger,
  ) {}

  record(denial: RateLimitDenial, now: number, meta?: AppendCommand["meta"]): void {
    const id = `${denial.limit}|${denial.key}`;
    if ((this.#quietUntil.get(id) ?? 0) > now) return;
    this.#quietUntil.set(id, now + Math.max(denial.retryAfterMs, MIN_QUIET_MS));
    if (this.#quietUntil.size > MAX_REMEMBERED) {
      for (const [key, until] of this.#quietUntil) if (until <= now) this.#quietUntil.delete(key);
      if (this.#quietUntil.size > MAX_REMEMBERED) this.#quietUntil.delete(this.#quietUntil.keys().next().value ?? "");
    }
    // The refusal is answered at once; its record follows (a failure to write it is logged).
    this.writer.append(rateLimitDeniedCommand(denial, meta)).catch((error: unknown) => {
      this.log.error({ err: error, limit: denial.limit }, "could not record a rate-limit refusal");
    });
  }
}
