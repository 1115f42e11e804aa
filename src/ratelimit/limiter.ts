/**
 * The rate limiter the HTTP layer asks (reference §7). Enforcement order: global → abuse →
 * the operation's own limit (account-creation, order-creation) → duplicate-certificate →
 * failed-validation → pending-authorizations; the first refusal wins. `global` and `abuse`
 * count requests and live in memory only; the rest are read from the event-derived ledger
 * (projection.ts), so a restart does not reset them. Checks do not spend: an account or an
 * order spends its tokens when its event is committed, so requests in flight at the same
 * instant may overshoot a bucket by a few, and the debt is carried into later Retry-Afters.
 */
import type { RateLimitConfig } from "../config/types.js";
import { AbuseMarker } from "./abuse-marker.js";
import { addressKey, type AddressKey } from "./address-key.js";
import { ALLOWED, deny, type RateLimitDecision } from "./decision.js";
import { bucketRate } from "./gcra.js";
import { DEFAULT_MAX_KEYS } from "./key-table.js";
import { duplicateKey, failureKey, identifierName, type RateLimitLedger } from "./ledger.js";
import { RequestBuckets } from "./request-bucket.js";
import { whitelist, type Whitelist } from "./whitelist.js";

export interface NewOrderCheck {
  readonly accountId: string;
  readonly ip: string;
  /** canonical identifiers of the order, wildcards written `*.example.com` (RFC 8555 §7.1.3) */
  readonly identifiers: readonly { readonly type: string; readonly value: string }[];
  readonly identifiersHash: string;
  readonly now: number;
}

export interface RateLimiterOptions {
  readonly config: RateLimitConfig;
  /** the current event-derived ledger, e.g. `() => live.state(projection)` */
  readonly ledger: () => RateLimitLedger;
  /** keys each in-memory table holds at most (default 100 000) */
  readonly maxKeys?: number;
}

export class RateLimiter {
  readonly #config: RateLimitConfig;
  readonly #ledger: () => RateLimitLedger;
  readonly #whitelisted: Whitelist;
  readonly #addressKey: AddressKey;
  readonly #requests: RequestBuckets;
  readonly #abuse: AbuseMarker;

  constructor({ config, ledger, maxKeys = DEFAULT_MAX_KEYS }: RateLimiterOptions) {
    this.#config = config;
    this.#ledger = ledger;
    this.#whitelisted = whitelist(config.whitelist);
    this.#addressKey = addressKey(config.ipv6PrefixLength);
    const { global, abuse } = config;
    this.#requests = new RequestBuckets(bucketRate(Math.max(1, global.requestsPerMinute), 60_000, global.burst), maxKeys);
    this.#abuse = new AbuseMarker(abuse.abusesBeforeBlock, abuse.recoveryPerMinute, maxKeys);
  }

  /** Keys held by the in-memory tables, for metrics. */
  get trackedAddresses(): { readonly global: number; readonly abuse: number } {
    return { global: this.#requests.size, abuse: this.#abuse.size };
  }

  /** Every request, before any cryptography: `global` (whitelist bypasses) then `abuse` (applies to all). */
  checkRequest(ip: string, now: number): RateLimitDecision {
    const key = this.#addressKey(ip);
    const { global, abuse } = this.#config;
    if (global.enabled && !this.#whitelisted(ip)) {
      const outcome = this.#requests.take(key, now);
      if (!outcome.ok) {
        return deny("global", key, outcome.retryAfterMs, `Too many requests from ${key}: at most ${global.requestsPerMinute} a minute (bursts of ${global.burst}).`);
      }
    }
    // Whether abuse marking spares whitelisted addresses is not documented for the product;
    // it does not here: the whitelist is about volume, a bad signature is never legitimate.
    if (abuse.enabled) {
      const outcome = this.#abuse.check(key, now);
      if (!outcome.ok) {
        return deny("abuse", key, outcome.retryAfterMs, `Requests from ${key} are refused for a while after repeated invalid or unauthorised requests.`);
      }
    }
    return ALLOWED;
  }

  /** Weight 1: bad JWS or another account's object; ¼: an identifier that does not exist; 0: nothing. */
  recordAbuse(ip: string, weight: number, now: number): void {
    if (this.#config.abuse.enabled) this.#abuse.record(this.#addressKey(ip), weight, now);
  }

  /** newAccount (RFC 8555 §7.3), after `checkRequest`. */
  checkNewAccount(ip: string, now: number): RateLimitDecision {
    const limit = this.#config.accountCreation;
    if (!limit.enabled || this.#whitelisted(ip)) return ALLOWED;
    // keyed as the projection keys acme.account.registered: the same config, the same addressKey
    const key = this.#addressKey(ip);
    const wait = this.#ledger().accountsByIp.waitFor(key, 1, now);
    if (wait === 0) return ALLOWED;
    return deny("account-creation", key, wait, `Too many new accounts from ${key}: at most ${limit.perIpPerHour} an hour (bursts of ${limit.burst}).`);
  }

  /** newOrder (RFC 8555 §7.4), after `checkRequest`. */
  checkNewOrder(order: NewOrderCheck): RateLimitDecision {
    return (
      this.#orderCreation(order) ??
      this.#duplicateCertificate(order) ??
      this.#failedValidation(order) ??
      this.#pendingAuthorizations(order) ??
      ALLOWED
    );
  }

  #orderCreation({ accountId, ip, identifiers, now }: NewOrderCheck): RateLimitDecision | undefined {
    const limit = this.#config.orderCreation;
    if (!limit.enabled || this.#whitelisted(ip)) return undefined;
    const ledger = this.#ledger();
    const orderWait = ledger.ordersByAccount.waitFor(accountId, 1, now);
    if (orderWait > 0) {
      return deny("order-creation", accountId, orderWait, `Too many new orders for this account: at most ${limit.ordersPerAccountPerHour} an hour (bursts of ${limit.orderBurst}).`);
    }
    const budget = limit.sanBudgetPerAccountPerHour;
    if (identifiers.length > budget) {
      // Such an order never fits, however long the client waits; say so, and name a full hour.
      return deny("order-creation", accountId, 3_600_000, `This order names ${identifiers.length} identifiers; an account may order at most ${budget} an hour, so split it into smaller orders.`);
    }
    const sanWait = ledger.identifiersByAccount.waitFor(accountId, identifiers.length, now);
    if (sanWait > 0) {
      return deny("order-creation", accountId, sanWait, `Too many identifiers ordered by this account: at most ${budget} an hour, and this order names ${identifiers.length}.`);
    }
    return undefined;
  }

  #duplicateCertificate({ accountId, identifiersHash, now }: NewOrderCheck): RateLimitDecision | undefined {
    const limit = this.#config.duplicateCertificate;
    if (!limit.enabled) return undefined;
    const key = duplicateKey(accountId, identifiersHash);
    const wait = this.#ledger().certificates.waitForRoom(accountId, identifiersHash, limit.maxPerWindow, now);
    if (wait === 0) return undefined;
    return deny("duplicate-certificate", key, wait, `Too many certificates for exactly this set of identifiers: at most ${limit.maxPerWindow} unrevoked in ${hours(limit.windowMs)}.`);
  }

  #failedValidation({ accountId, identifiers, now }: NewOrderCheck): RateLimitDecision | undefined {
    const limit = this.#config.failedValidation;
    if (!limit.enabled) return undefined;
    const failures = this.#ledger().failures;
    for (const identifier of identifiers) {
      const name = identifierName(identifier);
      const key = failureKey(accountId, name);
      const wait = failures.waitForRoom(key, limit.maxPerWindow, now);
      if (wait > 0) {
        return deny("failed-validation", key, wait, `Too many failed validations of ${identifier.value} for this account: at most ${limit.maxPerWindow} in ${hours(limit.windowMs)}.`);
      }
    }
    return undefined;
  }

  #pendingAuthorizations({ accountId, now }: NewOrderCheck): RateLimitDecision | undefined {
    const limit = this.#config.pendingAuthorizations;
    if (!limit.enabled) return undefined;
    const { count, soonestExpiry } = this.#ledger().authorizations.pendingFor(accountId, now);
    if (count < limit.max || soonestExpiry === undefined) return undefined;
    return deny("pending-authorizations", accountId, soonestExpiry - now, `Too many pending authorizations for this account: at most ${limit.max}; complete or deactivate some, or wait for one to expire.`);
  }
}

function hours(ms: number): string {
  const h = ms / 3_600_000;
  return Number.isInteger(h) ? `${h} hour${h === 1 ? "" : "s"}` : `${Math.round(ms / 60_000)} minutes`;
}
