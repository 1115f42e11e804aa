/**
 * The account behind a `kid`-signed request (RFC 8555 §6.2), and the request as auditors see it
 * in the events' meta. Every account-scoped route authenticates through here.
 */
import type { Context } from "hono";
import type { RequestMeta } from "../acme/accounts/account-service.js";
import type { VerifiedAcmeRequest } from "../acme/jws/verify-acme-jws.js";
import { accountIdFromUrl } from "./acme-paths.js";
import type { AcmeEnv } from "./env.js";
import { AcmeProblem } from "./problem.js";
import { verifyAcmeRequest } from "./verify-acme-request.js";

export interface AccountRequest {
  readonly accountId: string;
  readonly payload: VerifiedAcmeRequest["payload"];
}

/** Verify a request that must be signed by an existing account (`kid`). */
export async function verifyAccountRequest(c: Context<AcmeEnv>): Promise<AccountRequest> {
  const request = await verifyAcmeRequest(c, { keyReference: "kid" });
  return { accountId: accountIdOf(c, request.kid ?? ""), payload: request.payload };
}

export function accountIdOf(c: Context<AcmeEnv>, kid: string): string {
  const accountId = accountIdFromUrl(kid, c.get("externalBaseUrl").base);
  if (!accountId) throw new AcmeProblem({ type: "accountDoesNotExist", status: 400, detail: "The kid is not an account URL of this server." });
  return accountId;
}

/** The request as auditors see it in the events' meta. */
export function requestMeta(c: Context<AcmeEnv>, accountId?: string): RequestMeta {
  return { sourceIp: c.get("clientIp"), requestId: c.get("requestId"), ...(accountId ? { actor: `account:${accountId}` } : {}) };
}

/**
 * Another account's object answers exactly like a missing one (RFC 8555 §10.5 would call the
 * difference an oracle), so ids cannot be probed.
 */
export const notFound = (what: string): AcmeProblem =>
  new AcmeProblem({ type: "malformed", status: 404, detail: `No such ${what}.` });
