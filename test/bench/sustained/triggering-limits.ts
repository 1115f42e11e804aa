/**
 * Rate limits low enough that a few dozen clients sharing one address (the load generator on
 * loopback, which is then NOT whitelisted) are refused within seconds by `global` (per
 * address: 30 requests a second, an order takes ten or more) and `order-creation` (per
 * account: one order every 10 s after a burst of two). `account-creation` (per address) refuses
 * only when accounts are created over time: a limit is checked before and spent at commit, so
 * the clients' simultaneous first newAccount requests all pass (the documented overshoot);
 * those refused by `global` at the start meet it when they retry. Used by
 * `npm run bench:sustained -- --limits` and test/reliability/rate-limits-sustained.test.ts.
 */
export const TRIGGERING_LIMITS: readonly string[] = [
  "  global:",
  "    requests-per-minute: 1800",
  "    burst: 30",
  "  account-creation:",
  // Ten a second: the clients' simultaneous first registrations all pass the check and leave a
  // debt of one token each beyond the burst, which closes the limit for (clients − burst) / 10 s.
  "    per-ip-per-hour: 36000",
  "    burst: 16",
  "  order-creation:",
  "    orders-per-account-per-hour: 360",
  "    order-burst: 2",
  // An order abandoned after a refusal may leave a pending authorization behind; at the default
  // of 30 a client would end up waiting for one to expire (days), which is not what is measured.
  "  pending-authorizations:",
  "    max: 1000",
];

/** The longest a client is asked to wait under these limits, with margin: one order token is 10 s, and requests in flight may overshoot a bucket (their debt lengthens later waits). */
export const TRIGGERING_LIMITS_MAX_RETRY_AFTER_SECONDS = 60;
