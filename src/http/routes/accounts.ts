/**
 * Account resources (RFC 8555 §7.3): newAccount, the account URL (POST-as-GET, contact update,
 * deactivation), and keyChange. Each request is authenticated by
 * `verifyAcmeRequest`; the decisions are the account decider's, through AccountService.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import type { AccountOutcome, AccountService } from "../../acme/accounts/account-service.js";
import { verifyKeyChange } from "../../acme/jws/key-change.js";
import type { VerifiedAcmeRequest } from "../../acme/jws/verify-acme-jws.js";
import type { AccountJwk } from "../../../events/index.js";
import { accountObject } from "../account-object.js";
import { accountPath, accountUrl, acmePaths } from "../acme-paths.js";
import { domainProblem } from "../domain-problem.js";
import type { AcmeEnv } from "../env.js";
import { AcmeProblem, PROBLEM_CONTENT_TYPE, problemDocument } from "../problem.js";
import { verifyAcmeRequest } from "../verify-acme-request.js";
import { parsePayload } from "../payload.js";
import { accountIdOf, requestMeta } from "../request-account.js";

const newAccountPayload = z.object({
  contact: z.array(z.string()).optional(),
  termsOfServiceAgreed: z.boolean().optional(),
  onlyReturnExisting: z.boolean().optional(),
  externalAccountBinding: z.unknown().optional(),
});

const accountUpdatePayload = z.object({
  contact: z.array(z.string()).optional(),
  status: z.string().optional(),
});

export function accountRoutes(accounts: AccountService): Hono<AcmeEnv> {
  const app = new Hono<AcmeEnv>();

  // RFC 8555 §7.3: signed with the new account's key as `jwk`.
  app.post(acmePaths.newAccount, async (c) => {
    const request = await verifyAcmeRequest(c, { keyReference: "jwk" });
    const payload = parsePayload(newAccountPayload, request.payload);
    const outcome = await accounts.register({
      jwk: request.jwk as AccountJwk,
      thumbprint: request.thumbprint ?? "",
      contact: payload.contact ?? [],
      termsOfServiceAgreed: payload.termsOfServiceAgreed ?? false,
      onlyReturnExisting: payload.onlyReturnExisting ?? false,
      // RFC 8555 §7.3.4: its `url` must be this request's, which verifyAcmeRequest has checked.
      ...(payload.externalAccountBinding === undefined
        ? {}
        : { externalAccountBinding: { jws: payload.externalAccountBinding, url: request.protectedHeader.url } }),
    }, requestMeta(c));
    return answer(c, outcome, { location: true });
  });

  // RFC 8555 §7.3.2 (update), §7.3.6 (deactivation), §6.3 (POST-as-GET read).
  app.post(accountPath(":accountId"), async (c) => {
    const { accountId, payload: body } = await authenticateAccount(c);
    if (body === "") return answer(c, await accounts.read(accountId));
    const payload = parsePayload(accountUpdatePayload, body);
    if (payload.status !== undefined && payload.status !== "deactivated") {
      throw new AcmeProblem({ type: "malformed", status: 400, detail: `An account can only be updated to status "deactivated", not ${JSON.stringify(payload.status)}.` });
    }
    const meta = requestMeta(c, accountId);
    if (payload.status === "deactivated") return answer(c, await accounts.change(accountId, async () => ({ kind: "deactivate" }), meta));
    const contact = payload.contact;
    return answer(c, await accounts.change(accountId, async (state) => ({ kind: "update-contact", contact: contact ?? state.contact }), meta));
  });

  // RFC 8555 §7.3.5: outer JWS by the current key, inner JWS by the new key.
  app.post(acmePaths.keyChange, async (c) => {
    const request = await verifyAcmeRequest(c, { keyReference: "kid" });
    const kid = request.kid ?? "";
    const accountId = accountIdOf(c, kid);
    const change = await verifyKeyChange(request.payload, request.protectedHeader.url, kid);
    const outcome = await accounts.change(accountId, async () => ({
      kind: "change-key",
      oldThumbprint: change.oldThumbprint,
      jwk: change.newKey as AccountJwk,
      thumbprint: change.newThumbprint,
      keyOwner: await accounts.keyOwner(change.newThumbprint),
    }), requestMeta(c, accountId));
    if (outcome.kind === "rejected" && outcome.error.conflictingAccountId) {
      // RFC 8555 §7.3.5: 409 Conflict, Location = the account that already holds the new key.
      const problem = new AcmeProblem({ type: "malformed", status: 409, detail: outcome.error.detail });
      return c.body(JSON.stringify(problemDocument(problem)), 409, {
        "Content-Type": PROBLEM_CONTENT_TYPE,
        Location: accountUrl(c.get("externalBaseUrl").base, outcome.error.conflictingAccountId),
      });
    }
    return answer(c, outcome);
  });

  return app;
}

/** Verify a `kid` request to an account's own URL. */
async function authenticateAccount(c: Context<AcmeEnv>): Promise<{ accountId: string; payload: VerifiedAcmeRequest["payload"] }> {
  const request = await verifyAcmeRequest(c, { keyReference: "kid" });
  const accountId = c.req.param("accountId") ?? "";
  // An account's key authorises requests to its own URL only; another account's URL answers
  // as if it did not exist (no enumeration).
  if (request.kid !== accountUrl(c.get("externalBaseUrl").base, accountId)) {
    throw new AcmeProblem({ type: "unauthorized", status: 403, detail: "The request is not signed by this account's key." });
  }
  return { accountId, payload: request.payload };
}

function answer(c: Context<AcmeEnv>, outcome: AccountOutcome, options: { location?: boolean } = {}): Response {
  if (outcome.kind === "rejected") throw domainProblem(outcome.error);
  const base = c.get("externalBaseUrl").base;
  if (options.location) c.header("Location", accountUrl(base, outcome.account.accountId));
  return c.json(accountObject(outcome.account, base), outcome.kind === "created" ? 201 : 200);
}
