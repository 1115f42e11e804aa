/**
 * The audit trace of a refusal (reference §7: "an audit `ratelimit.deny` carrying type and
 * retry_after"), as an append command for the writer. Refusals never conflict with one another,
 * so the stream is appended to at any version.
 */
import { RateLimitDenied, rateLimitStreamId } from "../../events/index.js";
import type { AppendCommand } from "../store/dialect.js";
import { retryAfterSeconds, type RateLimitDenial } from "./decision.js";

export function rateLimitDeniedCommand(denial: RateLimitDenial, meta?: AppendCommand["meta"]): AppendCommand {
  return {
    streamId: rateLimitStreamId(denial.limit),
    expectedVersion: "any",
    events: [RateLimitDenied.create({ limit: denial.limit, key: denial.key, retryAfterSeconds: retryAfterSeconds(denial.retryAfterMs) })],
    ...(meta === undefined ? {} : { meta }),
  };
}
