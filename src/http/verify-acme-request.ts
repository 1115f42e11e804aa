/**
 * The one call an ACME POST route makes to authenticate its request (RFC 8555 §6.2–§6.5):
 *
 *   const request = await verifyAcmeRequest(c, { keyReference: "kid" });
 *
 * The URL the JWS must name is rebuilt from the configured external base URL the request was
 * addressed to plus its path and query, never from the Host header verbatim, so it also holds
 * behind a TLS-terminating proxy. Failures are thrown as `AcmeProblem`s and rendered, with a
 * fresh Replay-Nonce, by the app's single problem renderer.
 */
import type { Context } from "hono";
import type { VerifiedAcmeRequest, VerifyAcmeJwsOptions } from "../acme/jws/verify-acme-jws.js";
import type { AcmeEnv } from "./env.js";
import { AcmeProblem } from "./problem.js";

export async function verifyAcmeRequest(
  c: Context<AcmeEnv>,
  options?: VerifyAcmeJwsOptions,
): Promise<VerifiedAcmeRequest> {
  const body = await c.req.text();
  try {
    return await c.get("acmeJws").verify({ contentType: c.req.header("content-type"), body, url: requestUrl(c) }, options);
  } catch (error) {
    // Reference §7: a request whose JWS does not verify weighs 1; a stale nonce weighs nothing.
    if (!(error instanceof AcmeProblem && error.type === "badNonce")) c.set("abuseWeight", 1);
    throw error;
  }
}

function requestUrl(c: Context<AcmeEnv>): string {
  const queryStart = c.req.url.indexOf("?");
  const query = queryStart === -1 ? "" : c.req.url.slice(queryStart);
  return c.get("externalBaseUrl").base + c.req.path + query;
}
