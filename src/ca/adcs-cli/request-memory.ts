/**
 * Within one process, one certreq per request key (DESIGN §2.9: across restarts the caller's
 * event log is the guard). A call while the same key is running joins it instead of starting a
 * second certreq — two would be two requests at the CA, two certificates. A settled outcome is
 * remembered (the most recent 10 000), so a retried submit returns it rather than re-submitting;
 * a failure is not, so a retry after an outage really retries, and neither is anything `keep`
 * refuses (a poll's "still pending" must be asked again next time).
 */
const REMEMBERED = 10_000;

export interface RequestMemory<T> {
  run(key: string, task: () => Promise<T>): Promise<T>;
}

export function requestMemory<T>(keep: (outcome: T) => boolean = () => true): RequestMemory<T> {
  const running = new Map<string, Promise<T>>();
  const settled = new Map<string, T>();
  return {
    run(key, task) {
      const known = settled.get(key);
      if (known !== undefined) return Promise.resolve(known);
      const current = running.get(key);
      if (current !== undefined) return current;
      // No await between the lookups above and this set: a concurrent caller finds it.
      const started = task().then(
        (outcome) => {
          running.delete(key);
          if (!keep(outcome)) return outcome;
          settled.set(key, outcome);
          // Maps iterate in insertion order: the first key is the oldest.
          if (settled.size > REMEMBERED) {
            const oldest = settled.keys().next();
            if (!oldest.done) settled.delete(oldest.value);
          }
          return outcome;
        },
        (err: unknown) => {
          running.delete(key);
          throw err;
        },
      );
      running.set(key, started);
      return started;
    },
  };
}
