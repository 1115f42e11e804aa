/**
 * newOrder, finalize, a challenge's "ready" and the POST-as-GETs of an order in flight answer
 * from the order's state (the command's outcome, or the order service's memory), not from a read
 * of the rows: at every step of an order's life — created, challenge processing,
 * valid or invalid with its error, ready, valid with its certificate, invalid with the order's
 * error — the object rendered from the order's state is the one rendered from its rows.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { AcmeServices } from "../../src/acme/acme-services.js";
import { finalizeOrder } from "../../src/acme/orders/finalize.js";
import { authorizationObject, challengeObject, orderObject } from "../../src/http/order-objects.js";
import { authorizationViewOfState, challengeViewOfState, orderViewOfRow, orderViewOfState } from "../../src/http/order-views.js";
import type { Validator } from "../../src/validation/index.js";
import { buildCsr, makeKey } from "../acme/csr/support/build-csr.js";
import { openCore, orderWithChallenge, registerAccount, startServices } from "../support/acme-services.js";

const BASE = "https://acme.test";
let workdir: string;

afterEach(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

/** Validations wait until released; names starting with "bad" fail. */
function heldValidator(): { validator: Validator; release(): void } {
  const waiting: (() => void)[] = [];
  return {
    validator: async (request) => {
      await new Promise<void>((resolve) => waiting.push(resolve));
      return request.identifier.value.startsWith("bad")
        ? { status: "invalid", problem: { type: "unauthorized", detail: "The key authorization did not match." }, address: "192.0.2.1" }
        : { status: "valid", address: "192.0.2.1" };
    },
    release: () => {
      for (const resolve of waiting.splice(0)) resolve();
    },
  };
}

/** The order and each of its challenges, rendered from the stream's state and from the rows. */
async function expectStateRendersAsRows(services: AcmeServices, orderId: string): Promise<string> {
  const now = new Date();
  const { state } = await services.orders.load(orderId);
  const row = await services.orders.order(orderId);
  if (!state || !row) throw new Error(`order ${orderId} not found`);
  expect(orderViewOfState(state).accountId).toBe(row.accountId);
  expect(orderObject(orderViewOfState(state), BASE, now)).toEqual(orderObject(orderViewOfRow(row), BASE, now));
  for (const authorization of state.authorizations) {
    const authorizationRow = await services.orders.authorization(authorization.authzId);
    if (!authorizationRow) throw new Error(`authorization ${authorization.authzId} has no row`);
    expect(authorizationViewOfState(state, authorization)).toMatchObject({ orderId: authorizationRow.orderId, accountId: authorizationRow.accountId });
    const challengeRows = await services.orders.challengesOf(authorization.authzId);
    expect(authorizationObject(authorizationViewOfState(state, authorization), authorization.challenges.map(challengeViewOfState), BASE, now)).toEqual(
      authorizationObject(authorizationRow, challengeRows, BASE, now),
    );
    for (const challenge of authorization.challenges) {
      const challengeRow = challengeRows.find((row) => row.challengeId === challenge.challengeId);
      if (!challengeRow) throw new Error(`challenge ${challenge.challengeId} has no row`);
      expect(challengeObject(challengeViewOfState(challenge), BASE)).toEqual(challengeObject(challengeRow, BASE));
    }
  }
  return state.status;
}

describe("order and challenge objects from the committed state", () => {
  it("match the rows at every step of a valid order and of an invalid one", async () => {
    workdir = await mkdtemp(join(tmpdir(), "certeasy-order-views-"));
    const core = await openCore(workdir);
    const held = heldValidator();
    const services = await startServices(core, workdir, held.validator);
    try {
      const accountId = await registerAccount(services);
      for (const name of ["good.views.test", "bad.views.test"]) {
        const { orderId, authzId, challengeId } = await orderWithChallenge(services, accountId, name);
        expect(await expectStateRendersAsRows(services, orderId)).toBe("pending");
        await services.orders.change(orderId, () => ({ kind: "respond", authzId, challengeId, thumbprint: "t".repeat(43) }), {});
        expect((await services.orders.challenge(challengeId))?.status).toBe("processing");
        await expectStateRendersAsRows(services, orderId);
        held.release();
        await expect.poll(async () => (await services.orders.order(orderId))?.status, { timeout: 5_000 }).not.toBe("pending");
        expect(await expectStateRendersAsRows(services, orderId)).toBe(name.startsWith("bad") ? "invalid" : "ready");
        if (name.startsWith("bad")) continue;
        const csr = Buffer.from(buildCsr({ key: makeKey({ kind: "ec", curve: "P-256" }), names: [name] })).toString("base64url");
        const finalized = await finalizeOrder(services.routes.finalize, { orderId, csr, accountKeySpkiSha256: "0".repeat(64) }, {});
        if (finalized.kind !== "ok") throw new Error(finalized.error.detail);
        expect(await expectStateRendersAsRows(services, orderId)).toBe("valid");
        // What finalize answers with: the order its append left, certificate link included.
        expect(orderObject(orderViewOfState(finalized.order), BASE, new Date())).toMatchObject({ status: "valid", certificate: expect.stringMatching(/^https:\/\/acme\.test\//) });
      }
    } finally {
      await services.stop(1_000);
      await core.stop("shutdown");
    }
  });
});
