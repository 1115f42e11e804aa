/**
 * Authorization and challenge resources (RFC 8555 §7.5): POST-as-GET reads, deactivation of an
 * authorization (§7.5.2), and the client's "ready" signal on a challenge (§7.5.1), which puts it
 * in `processing` for the validation queue. Objects of an order in flight are rendered from the
 * order service's memory of it, the others from the projected rows (order-views.ts).
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { ChallengeRow } from "../../../projections/index.js";
import { findAuthorization } from "../../domain/order/index.js";
import { authorizationPath, challengePath } from "../acme-paths.js";
import { domainProblem } from "../domain-problem.js";
import type { AcmeEnv } from "../env.js";
import { authorizationObject, challengeObject } from "../order-objects.js";
import { authorizationViewOfState, challengeViewOfState, type AuthorizationView, type ChallengeView } from "../order-views.js";
import { parsePayload } from "../payload.js";
import { AcmeProblem } from "../problem.js";
import { notFound, requestMeta, verifyAccountRequest } from "../request-account.js";
import type { OrderRoutesDeps } from "./order-deps.js";

const authorizationUpdatePayload = z.object({ status: z.string().optional() });

export function authorizationRoutes(deps: OrderRoutesDeps): Hono<AcmeEnv> {
  const app = new Hono<AcmeEnv>();

  app.post(authorizationPath(":authzId"), async (c) => {
    const { accountId, payload } = await verifyAccountRequest(c);
    const owned = await ownAuthorization(deps, c.req.param("authzId") ?? "", accountId);
    // POST-as-GET: what was just found is the answer.
    if (payload === "") return answerAuthorization(c, deps, owned.authorization, owned.challenges ?? (await deps.orders.challengesOf(owned.authorization.authzId)));
    const { status } = parsePayload(authorizationUpdatePayload, payload);
    if (status !== "deactivated") {
      throw new AcmeProblem({ type: "malformed", status: 400, detail: `An authorization can only be updated to status "deactivated", not ${JSON.stringify(status)}.` });
    }
    const { authzId, orderId } = owned.authorization;
    const outcome = await deps.orders.change(orderId, () => ({ kind: "deactivate-authorization", authzId }), requestMeta(c, accountId));
    if (outcome.kind === "rejected") throw domainProblem(outcome.error);
    // The authorization as the committed deactivation left it (its order's stream holds it).
    const deactivated = findAuthorization(outcome.order, authzId);
    if (!deactivated) throw new Error(`authorization ${authzId} is not in order ${orderId}`);
    return answerAuthorization(c, deps, authorizationViewOfState(outcome.order, deactivated), deactivated.challenges.map(challengeViewOfState));
  });

  app.post(challengePath(":challengeId"), async (c) => {
    const { accountId, payload } = await verifyAccountRequest(c);
    const challenge = await ownChallenge(deps, c.req.param("challengeId") ?? "", accountId);
    // RFC 8555 §7.5.1: an empty JSON object says "ready"; POST-as-GET only reads, and what was just found is the answer.
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
      // The challenge as the committed response left it (its order's stream holds it).
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

/**
 * The authorization, from the order in memory when its order is in flight (with its challenges),
 * else from its row (challenges to be read). Another account's answers as a missing one.
 */
async function ownAuthorization(
  deps: OrderRoutesDeps,
  authzId: string,
  accountId: string,
): Promise<{ readonly authorization: AuthorizationView; readonly challenges: readonly ChallengeView[] | null }> {
  const held = deps.orders.heldAuthorization(authzId);
  const found = held
    ? { authorization: authorizationViewOfState(held.order, held.authorization), challenges: held.authorization.challenges.map(challengeViewOfState) }
    : { authorization: await deps.orders.authorization(authzId), challenges: null };
  const { authorization } = found;
  if (!authorization || authorization.accountId !== accountId) throw notFound("authorization");
  return { authorization, challenges: found.challenges };
}

type OwnedChallenge = ChallengeView & Pick<ChallengeRow, "orderId" | "authzId" | "accountId">;

/** The challenge, from the order in memory when it is in flight, else from its row. Another account's answers as a missing one. */
async function ownChallenge(deps: OrderRoutesDeps, challengeId: string, accountId: string): Promise<OwnedChallenge> {
  const held = deps.orders.heldChallenge(challengeId);
  const challenge: OwnedChallenge | null = held
    ? { ...challengeViewOfState(held.challenge), orderId: held.order.orderId, authzId: held.authorization.authzId, accountId: held.order.accountId }
    : await deps.orders.challenge(challengeId);
  if (!challenge || challenge.accountId !== accountId) throw notFound("challenge");
  return challenge;
}

/**
 * A pending authorization tells when to read it again (RFC 8555 §7.5.1), not only while one of
 * its challenges is processing: acmetool (acmeapi v2) reads each authorization before answering
 * its challenge and keeps that read's `Retry-After` — 10 s when absent — for its first poll
 * after the answer, so one second here is nine seconds less per authorization for its users.
 */
function answerAuthorization(c: Context<AcmeEnv>, deps: OrderRoutesDeps, authorization: AuthorizationView, challenges: readonly ChallengeView[]): Response {
  if (authorization.status === "pending") c.header("Retry-After", "1");
  return c.json(authorizationObject(authorization, challenges, c.get("externalBaseUrl").base, deps.clock()));
}
