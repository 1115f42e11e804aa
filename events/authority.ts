/**
 * Certificate authority health (issue 4 "PKI health"): the periodic probe (certutil -ping, the
 * embedded CA's self-check) records an event only when an authority turns healthy or unhealthy,
 * not at every probe, so the log tells when a CA went down and came back. Stream
 * `authority:<name>`.
 */
import { z } from "zod";
import { defineEvent } from "./define.js";

export const authorityStreamId = (name: string): string => `authority:${name}`;

export const AuthorityHealthChanged = defineEvent(
  "authority.health-changed",
  z.strictObject({
    authority: z.string().min(1).max(64),
    healthy: z.boolean(),
    /** what the probe said (the CA's own words or the failure), for the operator */
    detail: z.string().max(1024),
  }),
);

export const authorityEvents = [AuthorityHealthChanged] as const;
