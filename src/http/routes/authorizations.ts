/**
 * Authorization and challenge resources (RFC 8555 §7.5): POST-as-GET reads, deactivation of an
 * authorization (§7.5.2), and the client's "ready" signal on a challenge (§7.5.1), which puts it
 * in `processing` for the validation queue.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AuthorizationRow, ChallengeRow } from "../../../projections/index.js";
import { authorizationPath, challengePath } from "../acme-paths.js";
import { domainProblem } from "../domain-problem.js";
import type { AcmeEnv } from "../env.js";
import { findAuthorization } from "../../domain/order/index.js";
import { authorizationObject, challengeObject, challengeViewOfState, type ChallengeView } from "../order-objects.js";
import { parsePayload } from "../payload.js";
import { AcmeProblem } from "../problem.js";
import { notFound, requestMeta, verifyAccountRequest } from "../request-account.js";
import type { OrderRoutesDeps } from "./order-deps.js";

const authorizationUpdatePayload = z.object({ status: z.string().optional() });

export function authorizationRoutes(deps: OrderRoutesDeps): Hono<AcmeEnv> {
  const app = new Hono<AcmeEnv>();

  app.post(authorizationPath(":authzId"), async (c) => {
    const { accountId, payload } = await verifyAccountRequest(c);
    const authorization = await ownAuthorization(deps, c.req.param("authzId") ?? "", accountId);
    // POST-as-GET: the row just read is the answer.
    if (payload === "") return answerAuthorization(c, deps, authorization);
    const { status } = parsePayload(authorizationUpdatePayload, payload);
    if (status !== "deactivated") {
      throw new AcmeProblem({ type: "malformed", status: 400, detail: `An authorization can only be updated to status "deactivated", not ${JSON.stringify(status)}.` });
    }
    const outcome = await deps.orders.change(
      authorization.orderId,
      () => ({ kind: "deactivate-authorization", authzId: authorization.authzId }),
      requestMeta(c, accountId),
    );
    if (outcome.kind === "rejected") throw domainProblem(outcome.error);
    const deactivated = await deps.orders.authorization(authorization.authzId);
    if (!deactivated) throw new Error(`authorization ${authorization.authzId} has no row`);
    return answerAuthorization(c, deps, deactivated);
  });

  app.post(challengePath(":challengeId"), async (c) => {
    const { accountId, payload } = await verifyAccountRequest(c);
    const challenge = await deps.orders.challenge(c.req.param("challengeId") ?? "");
    if (!challenge || challenge.accountId !== accountId) throw notFound("challenge");
    // RFC 8555 §7.5.1: an empty JSON object says "ready"; POST-as-GET only reads, and the row just read is the answer.
    let current: ChallengeView = challenge;
    if (payload !== "") {
      const account = await deps.accounts.findById(accountId);
      if (!account) throw notFound("account");
      const outcome = await deps.orders.change(
        challenge.orderId,
        () => ({ kind: "respond", authzId: challenge.authzId, challengeId: challenge.challengeId, thumbprint: account.thumbprint }),
        requestMeta(c, accountId),
      );
      if (outcome.kind === "rejected") throw domainProblem(outcome.error);
      // The challenge as the committed response left it (its order's stream holds it): no read of the row.
      const decided = findAuthorization(outcome.order, challenge.authzId)?.challenges.find((ch) => ch.challengeId === challenge.challengeId);
      if (!decided) throw new Error(`challenge ${challenge.challengeId} is not in order ${challenge.orderId}`);
      current = challengeViewOfState(decided);
    }
    const base = c.get("externalBaseUrl").base;
    c.header("Link", `<${base}${authorizationPath(challenge.authzId)}>;rel="up"`, { append: true });
    if (current.status === "processing") c.header("Retry-After", "1");
    return c.json(challengeObject(current, base));
  });

  return app;
}

async function ownAuthorization(deps: OrderRoutesDeps, authzId: string, accountId: string): Promise<AuthorizationRow> {
  const authorization = await deps.orders.authorization(authzId);
  if (!authorization || authorization.accountId !== accountId) throw notFound("authorization");
  return authorization;
}

async function answerAuthorization(c: Context<AcmeEnv>, deps: OrderRoutesDeps, authorization: AuthorizationRow): Promise<Response> {
  const challenges = await deps.orders.challengesOf(authorization.authzId);
  if (challenges.some((ch: ChallengeRow) => ch.status === "processing")) c.header("Retry-After", "1");
  return c.json(authorizationObject(authorization, challenges, c.get("externalBaseUrl").base, deps.clock()));
}
