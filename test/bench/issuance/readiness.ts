/**
 * Waiting for a server to take traffic: its "listening" line can come before the socket accepts
 * (Pebble prints its directory URL, then starts serving), and Certeasy's /readyz stays 503 until
 * its projections are hydrated. So the bench asks until it gets a 200.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { httpsGet } from "../../e2e/https.js";

export async function untilAnswering(url: string, caPem: string, output: () => string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  let last = "no answer yet";
  while (performance.now() < deadline) {
    try {
      const response = await httpsGet(url, caPem);
      if (response.status === 200) return;
      last = `${response.status} ${response.body}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await sleep(100);
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms (last: ${last}). Server output:\n${output()}`);
}
