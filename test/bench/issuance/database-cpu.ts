/**
 * CPU of the PostgreSQL backends serving the server's database during one load step. Backends
 * come and go (the pool recycles connections after conn-max-lifetime, 2 minutes by default), so
 * they are looked up and sampled every half second; a backend that ends loses only what it used
 * since its last sample, and one that starts during the step is counted from 0. That makes the
 * figure a slight floor.
 */
import { sampleProcesses } from "./process-cpu.js";

const SAMPLE_EVERY_MS = 500;

export interface DatabaseCpuTracker {
  /** Stop sampling; CPU ms the backends used since `trackDatabaseCpu` was called. */
  stop(): Promise<number>;
}

export async function trackDatabaseCpu(backendPids: () => Promise<readonly number[]>): Promise<DatabaseCpuTracker> {
  const start = sampleProcesses(await backendPids());
  const latest = new Map(start);
  const sample = async (): Promise<void> => {
    const pids = new Set([...latest.keys(), ...(await backendPids())]);
    for (const [pid, ms] of sampleProcesses([...pids])) latest.set(pid, ms);
  };
  let pending: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    pending = pending.then(sample, sample);
  }, SAMPLE_EVERY_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await pending.catch(() => undefined);
      await sample();
      let used = 0;
      for (const [pid, ms] of latest) used += ms - (start.get(pid) ?? 0);
      return used;
    },
  };
}
