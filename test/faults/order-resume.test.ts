/**
 * Work left half-done by a node that stopped resumes from the log at the next start: a
 * challenge still `processing` is validated, an order still `processing` is issued. The work
 * queues have no memory of their own; the rows waiting in those states are the queue.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as x509 from "@peculiar/x509";
import { afterEach, describe, expect, it } from "vitest";
import type { AcmeServices } from "../../src/acme/acme-services.js";
import { DEFAULT_CSR_POLICY } from "../../src/acme/csr/index.js";
import { finalizeOrder } from "../../src/acme/orders/finalize.js";
import type { NodeCore } from "../../src/node/open-node.js";
import type { Validator } from "../../src/validation/index.js";
import { alwaysValid, openCore, registerAccount, startServices } from "../support/acme-services.js";

let workdir: string;

afterEach(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

const start = (core: NodeCore, validator: Validator): Promise<AcmeServices> => startServices(core, workdir, validator);

/** A validator that never answers until the queue's drain gives up on it. */
const hanging: Validator = () => new Promise(() => undefined);

async function csrFor(name: string): Promise<string> {
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: name }])],
  });
  return Buffer.from(csr.rawData).toString("base64url");
}

describe("resuming work after a stop", () => {
  it("validates at the next start a challenge the previous run left processing", async () => {
    workdir = await mkdtemp(join(tmpdir(), "certeasy-resume-"));
    let core = await openCore(workdir);
    let services = await start(core, hanging);
    const accountId = await registerAccount(services);
    const created = await services.orders.create(accountId, { identifiers: [{ type: "dns", value: "resume.test" }] }, {});
    if (created.kind !== "ok") throw new Error("order refused");
    const authorization = created.order.authorizations[0];
    const challenge = authorization?.challenges.find((c) => c.type === "http-01");
    if (!authorization || !challenge) throw new Error("no challenge");
    await services.orders.change(created.order.orderId, () => ({ kind: "respond", authzId: authorization.authzId, challengeId: challenge.challengeId, thumbprint: "t".repeat(43) }), {});

    // The node stops while the validator still hangs: the drain gives up, nothing is recorded.
    expect((await services.stop(50)).unfinished).toBe(1);
    await core.stop("shutdown");
    core = await openCore(workdir);
    expect((await core.dialect.readProjection("acme_challenges", { challengeId: challenge.challengeId }))[0]?.status).toBe("processing");

    services = await start(core, alwaysValid);
    await expect.poll(async () => (await services.orders.order(created.order.orderId))?.status, { timeout: 5_000 }).toBe("ready");
    await services.stop(1_000);
    await core.stop("shutdown");
  });

  it("issues at the next start an order the previous run left processing", async () => {
    workdir = await mkdtemp(join(tmpdir(), "certeasy-resume-"));
    let core = await openCore(workdir);
    let services = await start(core, alwaysValid);
    const accountId = await registerAccount(services);
    const created = await services.orders.create(accountId, { identifiers: [{ type: "dns", value: "issue-later.test" }] }, {});
    if (created.kind !== "ok") throw new Error("order refused");
    const authorization = created.order.authorizations[0];
    const challenge = authorization?.challenges[0];
    if (!authorization || !challenge) throw new Error("no challenge");
    await services.orders.change(created.order.orderId, () => ({ kind: "respond", authzId: authorization.authzId, challengeId: challenge.challengeId, thumbprint: "t".repeat(43) }), {});
    await expect.poll(async () => (await services.orders.order(created.order.orderId))?.status, { timeout: 5_000 }).toBe("ready");

    // Stop the queues first, then finalize: the order is recorded as processing with nobody to issue it.
    await services.stop(1_000);
    const finalized = await finalizeOrder(
      { orders: services.orders, csrPolicyFor: () => DEFAULT_CSR_POLICY, chooseAuthority: () => ({ ok: true, authority: "local", fallbacks: [] }), clock: () => new Date() },
      { orderId: created.order.orderId, csr: await csrFor("issue-later.test"), accountKeySpkiSha256: "0".repeat(64) },
      {},
    );
    expect(finalized.kind === "ok" && finalized.order.status).toBe("processing");
    await core.stop("shutdown");

    core = await openCore(workdir);
    services = await start(core, alwaysValid);
    await expect.poll(async () => (await services.orders.order(created.order.orderId))?.status, { timeout: 5_000 }).toBe("valid");
    const certificates = await core.dialect.readProjection("acme_certificates");
    expect(certificates).toHaveLength(1);
    await services.stop(1_000);
    await core.stop("shutdown");
  });
});
