/**
 * The Hono environment shared by every Certeasy route. Read the variables with `c.get(name)`,
 * not `c.var.name`: Hono builds `c.var` as a fresh object from all variables on every access,
 * which a request touching it ten times paid for ten times.
 */
import type { AcmeJwsVerifier } from "../acme/jws/verify-acme-jws.js";
import type { ExternalBaseUrl } from "./external-base-url.js";

export interface AcmeEnv {
  Variables: {
    /** The configured `server.url` this request was addressed to; all links are built from it. */
    externalBaseUrl: ExternalBaseUrl;
    /**
     * `Replay-Nonce` and `Link: rel="index"` for a problem answering this request (RFC 8555 §6.5,
     * §7.1): the ones already set on the response, so a problem rendered later carries the same
     * (the directory's nonce is made only then). Unset on the health probes and /metrics.
     */
    acmeProblemHeaders: (() => Readonly<Record<string, string>>) | undefined;
    /** The client's address as Certeasy believes it (client-ip.ts): recorded in every event. */
    clientIp: string;
    /** Ties the request's log line to the events it appended (`meta.requestId`). */
    requestId: string;
    /** Set when the request showed signs of abuse (reference §7 weights), for the rate limiter. */
    abuseWeight: number | undefined;
    /** Authenticates ACME POST bodies; use it through `verifyAcmeRequest(c)`. */
    acmeJws: AcmeJwsVerifier;
  };
}
