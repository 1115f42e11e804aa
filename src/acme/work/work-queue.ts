/**
 * A projection-driven work queue (reference §12, DESIGN §5): jobs come from the event log — the
 * rows in a waiting state at boot, then each matching event as it commits — and run through an
 * RxJS `mergeMap` with bounded concurrency. A job is keyed by the aggregate it advances, so a job
 * found both at boot and live runs once. The log is the queue's memory: a job not finished when
 * the node stops is still waiting in the rows, and the next boot picks it up.
 */
import { Subject, mergeMap, type Subscription } from "rxjs";
import type { Logger } from "pino";

const BASE_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 120_000;

export interface WorkQueueOptions<J> {
  readonly name: string;
  readonly concurrency: number;
  readonly key: (job: J) => string;
  /**
   * Expected failures are the handler's to record (as events); a throw (database down, a bug) is
   * logged and the job retried with exponential backoff (reference §12: 1s up to 2m).
   */
  readonly handle: (job: J) => Promise<void>;
  readonly log: Logger;
}

export class WorkQueue<J> {
  readonly #jobs = new Subject<J>();
  readonly #known = new Set<string>();
  readonly #waiters = new Map<string, Set<() => void>>();
  readonly #subscription: Subscription;
  readonly #failures = new Map<string, number>();
  readonly #retryTimers = new Set<NodeJS.Timeout>();
  #inFlight = 0;
  #draining = false;
  #idle: (() => void) | undefined;

  constructor(private readonly options: WorkQueueOptions<J>) {
    this.#subscription = this.#jobs.pipe(mergeMap((job) => this.#run(job), options.concurrency)).subscribe();
  }

  /** Queue a job unless one for the same key is queued or running. */
  enqueue(job: J): void {
    const key = this.options.key(job);
    if (this.#draining || this.#known.has(key)) return;
    this.#known.add(key);
    this.#jobs.next(job);
  }

  /** Resolves when the job for `key` has run (or at once when none is known), or after `timeoutMs`. */
  settled(key: string, timeoutMs: number): Promise<void> {
    if (!this.#known.has(key)) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.#waiters.get(key) ?? new Set<() => void>();
      this.#waiters.set(key, waiters);
      const done = (): void => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      waiters.add(done);
    });
  }

  get size(): number {
    return this.#known.size;
  }

  /**
   * Stop taking jobs, let running ones finish within `timeoutMs`. Queued jobs are not started:
   * their aggregates stay in the waiting state in the log and the next boot resumes them.
   */
  async drain(timeoutMs: number): Promise<{ readonly unfinished: number }> {
    this.#draining = true;
    if (this.#inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.#idle = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    for (const timer of this.#retryTimers) clearTimeout(timer);
    this.#subscription.unsubscribe();
    return { unfinished: this.#inFlight };
  }

  #retryLater(job: J, delayMs: number): void {
    const timer = setTimeout(() => {
      this.#retryTimers.delete(timer);
      this.enqueue(job);
    }, delayMs);
    timer.unref();
    this.#retryTimers.add(timer);
  }

  async #run(job: J): Promise<void> {
    const key = this.options.key(job);
    if (this.#draining) return;
    this.#inFlight++;
    let retryInMs: number | null = null;
    try {
      await this.options.handle(job);
      this.#failures.delete(key);
    } catch (error) {
      const failures = (this.#failures.get(key) ?? 0) + 1;
      this.#failures.set(key, failures);
      retryInMs = Math.min(BASE_BACKOFF_MS * 2 ** (failures - 1), MAX_BACKOFF_MS);
      this.options.log.error({ err: error, queue: this.options.name, job: key, failures, retryInMs }, "job failed; retrying");
    } finally {
      this.#inFlight--;
      this.#known.delete(key);
      if (retryInMs !== null && !this.#draining) this.#retryLater(job, retryInMs);
      for (const wake of [...(this.#waiters.get(key) ?? [])]) wake();
      this.#waiters.delete(key);
      if (this.#inFlight === 0) this.#idle?.();
    }
  }
}
