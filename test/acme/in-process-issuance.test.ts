/**
 * Finalize with the embedded CA (RFC 8555 §7.4): the certificate is signed inside the request and
 * recorded in the same append as the finalization — one commit, not two — and the issuance
 * queue gets no job for it (the commit that finalized also finished the order). When the
 * in-request issuance fails, the finalization commits alone and the queue takes the order over.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { finalizeOrder } from "../../src/acme/orders/finalize.js";
import type { AcmeServices } from "../../src/acme/acme-services.js";
import type { NodeCore } from "../../src/node/open-node.js";
import type { AppendCommand } from "../../src/store/dialect.js";
import { buildCsr, makeKey } from "./csr/support/build-csr.js";
import { alwaysValid, openCore, orderWithChallenge, registerAccount, startServices } from "../support/acme-services.js";

let workdir: string;

afterEach(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

describe("finalize with an authority that issues in process", () => {
  it("records finalizing, the certificate and the valid order in one append, and submits once", async () => {
    workdir = await mkdtemp(join(tmpdir(), "certeasy-in-process-"));
    const core = await openCore(workdir);
    const services = await startServices(core, workdir, alwaysValid);
    try {
      const { orderId, authzId, challengeId } = await orderWithChallenge(services, await registerAccount(services), "at-once.test");
      await services.orders.change(orderId, () => ({ kind: "respond", authzId, challengeId, thumbprint: "t".repeat(43) }), {});
      await expect.poll(async () => (await services.orders.order(orderId))?.status, { timeout: 5_000 }).toBe("ready");

      const appends: string[][] = [];
      const append = core.writer.append.bind(core.writer);
      core.writer.append = (command: AppendCommand) => {
        if (command.streamId === `order:${orderId}`) appends.push(command.events.map((e) => e.type));
        return append(command);
      };
      const submits: string[] = [];
      const local = services.authorities.get("local");
      if (!local) throw new Error("no embedded CA");
      const submit = local.submit.bind(local);
      (local as { submit: typeof local.submit }).submit = (request) => {
        submits.push(request.requestKey);
        return submit(request);
      };

      const key = makeKey({ kind: "ec", curve: "P-256" });
      const csr = Buffer.from(buildCsr({ key, names: ["at-once.test"] })).toString("base64url");
      const outcome = await finalizeOrder(services.routes.finalize, { orderId, csr, accountKeySpkiSha256: "0".repeat(64) }, {});
      expect(outcome.kind).toBe("ok");
      expect((await services.orders.order(orderId))?.status).toBe("valid");
      await services.routes.issuanceSettled(orderId, 5_000);

      expect(appends).toEqual([["acme.order.finalizing", "acme.certificate.issued", "acme.order.valid"]]);
      expect(submits).toEqual([orderId]);
    } finally {
      await services.stop(1_000);
      await core.stop("shutdown");
    }
  });

  it("starts no issuance job for it: the finished order's stream is not read again", async () => {
    workdir = await mkdtemp(join(tmpdir(), "certeasy-in-process-"));
    const core = await openCore(workdir);
    const services = await startServices(core, workdir, alwaysValid);
    try {
      const orderId = await readyOrder(services, "no-job.test");
      const streamReads = countStreamReads(core, orderId);
      const outcome = await finalizeOrder(services.routes.finalize, { orderId, csr: csrFor("no-job.test"), accountKeySpkiSha256: "0".repeat(64) }, {});
      expect(outcome.kind === "ok" && outcome.order.status).toBe("valid");
      // A job, had one been queued, would have run by now: it loads the (uncached, finished) order from its stream.
      await services.routes.issuanceSettled(orderId, 5_000);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(streamReads).toEqual([]);
    } finally {
      await services.stop(1_000);
      await core.stop("shutdown");
    }
  });

  it("leaves a finalize whose in-request issuance failed to the issuance queue", async () => {
    workdir = await mkdtemp(join(tmpdir(), "certeasy-in-process-"));
    const core = await openCore(workdir);
    const services = await startServices(core, workdir, alwaysValid);
    try {
      const orderId = await readyOrder(services, "fails-once.test");
      const local = services.authorities.get("local");
      if (!local) throw new Error("no embedded CA");
      const submits: string[] = [];
      const submit = local.submit.bind(local);
      (local as { submit: typeof local.submit }).submit = (request) => {
        submits.push(request.requestKey);
        return submits.length === 1 ? Promise.reject(new Error("signing key busy")) : submit(request);
      };
      const outcome = await finalizeOrder(services.routes.finalize, { orderId, csr: csrFor("fails-once.test"), accountKeySpkiSha256: "0".repeat(64) }, {});
      expect(outcome.kind === "ok" && outcome.order.status).toBe("processing");
      await expect.poll(async () => (await services.orders.order(orderId))?.status, { timeout: 5_000 }).toBe("valid");
      expect(submits).toEqual([orderId, orderId]);
    } finally {
      await services.stop(1_000);
      await core.stop("shutdown");
    }
  });
});

async function readyOrder(services: AcmeServices, name: string): Promise<string> {
  const { orderId, authzId, challengeId } = await orderWithChallenge(services, await registerAccount(services), name);
  await services.orders.change(orderId, () => ({ kind: "respond", authzId, challengeId, thumbprint: "t".repeat(43) }), {});
  await expect.poll(async () => (await services.orders.order(orderId))?.status, { timeout: 5_000 }).toBe("ready");
  return orderId;
}

function csrFor(name: string): string {
  return Buffer.from(buildCsr({ key: makeKey({ kind: "ec", curve: "P-256" }), names: [name] })).toString("base64url");
}

/** The reads of the order's stream from now on. */
function countStreamReads(core: NodeCore, orderId: string): string[] {
  const reads: string[] = [];
  const readStream = core.dialect.readStream.bind(core.dialect);
  core.dialect.readStream = (streamId) => {
    if (streamId === `order:${orderId}`) reads.push(streamId);
    return readStream(streamId);
  };
  return reads;
}
