/**
 * The order service's memory of recent orders: the jobs a commit starts (validation, issuance)
 * run on `committed$` before the append that committed resolves, and load the order as that
 * commit left it — from memory, not by re-reading and re-decoding its stream — and never an
 * older state.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Validator } from "../../src/validation/index.js";
import { alwaysValid, openCore, orderWithChallenge, registerAccount, respondedOrder, startServices } from "../support/acme-services.js";

let workdir: string;

afterEach(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe("orders in memory while their append is in flight", () => {
  it("a job started by a commit loads the committed order without re-reading its stream", async () => {
    workdir = await mkdtemp(join(tmpdir(), "certeasy-order-cache-"));
    const core = await openCore(workdir);
    const services = await startServices(core, workdir, alwaysValid);
    try {
      const { orderId, authzId, challengeId } = await orderWithChallenge(services, await registerAccount(services), "cache.test");

      // Like the work queues: subscribed after the service, loading on the commit itself.
      const seen: { type: string; version: number; challengeStatus: string | undefined; orderStatus: string | undefined }[] = [];
      const loads: Promise<void>[] = [];
      const subscription = core.writer.committed$.subscribe((event) => {
        if (event.sid !== `order:${orderId}`) return;
        loads.push(
          services.orders.load(orderId).then(({ state, version }) => {
            const found = state?.authorizations.find((a) => a.authzId === authzId);
            seen.push({ type: event.type, version, challengeStatus: found?.challenges.find((c) => c.challengeId === challengeId)?.status, orderStatus: state?.status });
          }),
        );
      });
      const streamReads: string[] = [];
      const readStream = core.dialect.readStream.bind(core.dialect);
      core.dialect.readStream = (streamId) => {
        streamReads.push(streamId);
        return readStream(streamId);
      };

      const responded = await services.orders.change(orderId, () => ({ kind: "respond", authzId, challengeId, thumbprint: "t".repeat(43) }), {});
      expect(responded.kind).toBe("ok");
      // The row is visible once committed, a moment before committed$ emits: wait for the emission.
      await expect.poll(() => seen.some((s) => s.type === "acme.challenge.valid"), { timeout: 5_000 }).toBe(true);
      await Promise.all(loads);
      subscription.unsubscribe();

      // The challenge's commit, then the validation's: each load saw the state its commit left.
      const processing = seen.find((s) => s.type === "acme.challenge.processing");
      expect(processing).toMatchObject({ challengeStatus: "processing", orderStatus: "pending" });
      const validated = seen.find((s) => s.type === "acme.challenge.valid");
      expect(validated).toMatchObject({ challengeStatus: "valid", orderStatus: "ready" });
      expect(validated?.version).toBeGreaterThan(processing?.version ?? Infinity);
      // Neither those loads nor the validation job's went back to the stream.
      expect(streamReads).toEqual([]);
    } finally {
      await services.stop(1_000);
      await core.stop("shutdown");
    }
  });

  it("forgets orders once they are finished, so the cache holds the orders in flight only", async () => {
    workdir = await mkdtemp(join(tmpdir(), "certeasy-order-cache-"));
    const core = await openCore(workdir);
    const failing: Validator = async () => ({ status: "invalid", problem: { type: "connection", detail: "nothing answered" }, address: null });
    const services = await startServices(core, workdir, failing);
    try {
      const accountId = await registerAccount(services);
      const finished: string[] = [];
      for (let i = 0; i < 25; i++) {
        finished.push((await respondedOrder(services, accountId, `done-${i}.cache.test`)).orderId);
      }
      for (const orderId of finished) await expect.poll(async () => (await services.orders.order(orderId))?.status, { timeout: 10_000 }).toBe("invalid");
      // Each of them was cached while in flight; none is left now that they are all invalid.
      expect(services.orders.cachedOrders).toBe(0);
      // And a finished order still loads, from its stream.
      expect((await services.orders.load(finished[0] ?? "")).state?.status).toBe("invalid");
    } finally {
      await services.stop(1_000);
      await core.stop("shutdown");
    }
  });
});
