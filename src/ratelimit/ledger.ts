/**
 * The event-derived rate-limit state: everything a limiter needs that the log already records.
 * One object, updated by `rateLimitProjection` (projection.ts) in log order and read by the
 * `RateLimiter` with `now`. Only the limiters enabled in the config are tracked.
 */
import type { RateLimitConfig } from "../config/types.js";
import { addressKey, type AddressKey } from "./address-key.js";
import { DuplicateCertificates } from "./duplicate-certificates.js";
import { bucketRate } from "./gcra.js";
import { PendingAuthorizations } from "./pending-authorizations.js";
import { SpentBuckets } from "./spent-buckets.js";
import { TimeWindows } from "./time-windows.js";

const HOUR = 3_600_000;

export class RateLimitLedger {
  /** account-creation: per `addressKey(meta.sourceIp)` of acme.account.registered */
  readonly accountsByIp: SpentBuckets;
  /** IPv4 address or IPv6 network a source address counts under (address-key.ts) */
  readonly addressKey: AddressKey;
  /** order-creation: one token per order, per account */
  readonly ordersByAccount: SpentBuckets;
  /** order-creation: one token per identifier, per account */
  readonly identifiersByAccount: SpentBuckets;
  /** duplicate-certificate: per (account, identifiersHash), the notBefore of each unrevoked certificate */
  readonly certificates: DuplicateCertificates;
  /** failed-validation: keyed by `failureKey(account, name)`, the instants of the failures */
  readonly failures: TimeWindows;
  readonly authorizations = new PendingAuthorizations();

  constructor(readonly config: RateLimitConfig) {
    const { accountCreation, orderCreation, duplicateCertificate, failedValidation } = config;
    this.addressKey = addressKey(config.ipv6PrefixLength);
    // A disabled limiter may carry a 0 quota; any positive rate will do since it is never read.
    this.accountsByIp = new SpentBuckets(bucketRate(Math.max(1, accountCreation.perIpPerHour), HOUR, accountCreation.burst));
    this.ordersByAccount = new SpentBuckets(bucketRate(Math.max(1, orderCreation.ordersPerAccountPerHour), HOUR, orderCreation.orderBurst));
    // The identifier budget has no burst key of its own: a full bucket holds one hour's budget.
    const sans = Math.max(1, orderCreation.sanBudgetPerAccountPerHour);
    this.identifiersByAccount = new SpentBuckets(bucketRate(sans, HOUR, sans));
    this.certificates = new DuplicateCertificates(duplicateCertificate.windowMs);
    this.failures = new TimeWindows(failedValidation.windowMs);
  }
}

export const duplicateKey = (accountId: string, identifiersHash: string): string => `${accountId}:${identifiersHash}`;
export const failureKey = (accountId: string, name: string): string => `${accountId}:${name}`;

/** How an identifier is named in failure keys: the wildcard kept, so `*.x` and `x` count apart. */
export const identifierName = (identifier: { readonly type: string; readonly value: string }, wildcard = false): string =>
  `${identifier.type}:${wildcard ? "*." : ""}${identifier.value}`;
