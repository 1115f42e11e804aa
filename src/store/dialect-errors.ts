/** Errors a dialect raises itself; driver errors are passed through as they are (driver-error.ts). */

/** The schema is there but es_log_head has no row, or the database was never migrated. */
export class EventLogNotInitialisedError extends Error {
  override readonly name = "EventLogNotInitialisedError";
  constructor() {
    super("the event log is not initialised (es_log_head has no row): run `certeasy migrate`");
  }
}

/** The database did not answer a ping in time. */
export class PingTimeoutError extends Error {
  override readonly name = "PingTimeoutError";
  constructor(readonly timeoutMs: number) {
    super(`the database did not answer within ${timeoutMs} ms`);
  }
}
