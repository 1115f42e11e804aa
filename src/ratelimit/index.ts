/** Rate limits (behaviour reference §7): the limiter, its event-derived projection, and the refusal event. */
export { RateLimiter, type NewOrderCheck, type RateLimiterOptions } from "./limiter.js";
export { rateLimitProjection } from "./projection.js";
export { RateLimitLedger } from "./ledger.js";
export { retryAfterSeconds, type RateLimitDecision, type RateLimitDenial, type RateLimitName } from "./decision.js";
export { rateLimitDeniedCommand } from "./denied-event.js";
export { DenialRecorder } from "./denial-recorder.js";
export { DEFAULT_MAX_KEYS } from "./key-table.js";
