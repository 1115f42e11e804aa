/**
 * Records refused new orders in the log (`license.denied`, reference §8.3 `license.deny`) so
 * auditors see them — once per account per minute: a client retrying a refused order must not
 * turn the audit log into a copy of its retries. The refusal itself is answered at once.
 */
import type { Logger } from "pino";
import { LicenseDenied, licenseDenialsStreamId } from "../../events/index.js";
import { QuietPeriods } from "../ratelimit/quiet-periods.js";
import type { AppendCommand } from "../store/dialect.js";
import type { EventWriter } from "../store/writer.js";

const QUIET_MS = 60_000;

export type LicenseDenial = Parameters<typeof LicenseDenied.create>[0];

export class LicenseDenialRecorder {
  /** per account: until when its further denials are not recorded again */
  readonly #quiet = new QuietPeriods();

  constructor(
    private readonly writer: Pick<EventWriter, "append">,
    private readonly log: Logger,
  ) {}

  record(denial: LicenseDenial, now: number, meta?: AppendCommand["meta"]): void {
    if (!this.#quiet.claim(denial.accountId, now, QUIET_MS)) return;
    this.writer
      .append({ streamId: licenseDenialsStreamId, expectedVersion: "any", events: [LicenseDenied.create(denial)], ...(meta === undefined ? {} : { meta }) })
      .catch((error: unknown) => this.log.error({ err: error, accountId: denial.accountId }, "could not record a license refusal"));
  }
}
