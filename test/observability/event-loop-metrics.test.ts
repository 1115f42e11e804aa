/**
 * prom-client's event-loop delay gauges sample the loop every EVENT_LOOP_SAMPLE_MS (100 ms), not
 * its default 10 ms that woke an idle server 100 times a second. Each sample is the time between
 * two ticks, so a quiet loop reads about 0.1 s: what operators must know to set a p99 alert.
 */
import { describe, expect, it } from "vitest";
import { CerteasyMetrics, EVENT_LOOP_SAMPLE_MS } from "../../src/observability/metrics.js";
import { parseExposition, valueOf } from "./exposition.js";

describe("event-loop delay gauges", () => {
  it("sample the loop every 100 ms: a quiet loop reads the interval, a stall above it shows", async () => {
    expect(EVENT_LOOP_SAMPLE_MS).toBe(100);
    const metrics = new CerteasyMetrics();
    await metrics.exposition(); // resets the histogram: what follows is this test's
    await new Promise((resolve) => setTimeout(resolve, 6 * EVENT_LOOP_SAMPLE_MS));
    // A 250 ms stall covers at least two ticks whatever its phase.
    const until = Date.now() + 250;
    while (Date.now() < until);
    await new Promise((resolve) => setTimeout(resolve, 2 * EVENT_LOOP_SAMPLE_MS));
    const samples = parseExposition(await metrics.exposition());
    const gauge = (name: string): number => valueOf(samples, `certeasy_nodejs_eventloop_lag_${name}_seconds`) ?? NaN;
    // At 10 ms the quietest tick read ~0.01 s; at 100 ms it cannot read less than the interval.
    expect(gauge("min")).toBeGreaterThanOrEqual(0.09);
    expect(gauge("max")).toBeGreaterThanOrEqual(0.25);
  });
});
