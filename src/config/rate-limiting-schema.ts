/**
 * The `rate-limiting` section (behaviour reference §7): one sub-section per limiter, each with
 * its own `enabled`, and the whitelist. Since 0.9.4 an explicit 0 on a quota of an enabled
 * limiter is refused (§4.1): a 0 would silently block everyone or nothing, and `enabled: false`
 * is the one way to turn a limiter off.
 */
import type { z } from "zod";
import { DEFAULTS } from "./defaults.js";
import { bool, duration, field, list, optionalField, parsedText, section, wholeNumber, type Check } from "./fields.js";
import { parseCidr } from "./network.js";
import type { RateLimitConfig } from "./types.js";

const D = DEFAULTS.rateLimiting;

/** 0 passes here; `quotasOf` refuses it when the limiter is enabled. */
const quota = (unit: string, fallback: number) => optionalField(wholeNumber(unit, 0), fallback);
const window = (fallback: number) =>
  optionalField(duration({ allowZero: false, zeroReason: "an explicit 0 is refused: the window would hold nothing" }), fallback);

/**
 * A limiter's sub-section: strict like every section, and an explicit 0 on a quota of an
 * enabled limiter refused with the key path and the way to really turn the limiter off.
 */
function limiter<S extends z.core.$ZodLooseShape>(quotas: S, units: Readonly<Partial<Record<keyof S & string, string>>>, enabled: boolean) {
  const shape = { enabled: optionalField(bool, enabled), ...quotas };
  return section(shape).superRefine((parsed, ctx) => {
    const values = parsed as Record<string, unknown>;
    if (values.enabled !== true) return;
    for (const [key, unit] of Object.entries(units)) {
      if (unit === undefined) continue;
      if (values[key] !== 0) continue;
      ctx.addIssue({
        code: "custom",
        path: [key],
        message: `expected a whole number of ${unit} of at least 1, got 0 (an explicit 0 is refused while the limiter is enabled; set enabled: false to turn it off)`,
      });
    }
  });
}

const globalShape = {
  "requests-per-minute": quota("requests", D.global.requestsPerMinute),
  burst: quota("requests", D.global.burst),
};
const abuseShape = {
  "abuses-before-block": quota("abuses", D.abuse.abusesBeforeBlock),
  "recovery-per-minute": quota("abuses", D.abuse.recoveryPerMinute),
};
const accountCreationShape = {
  "per-ip-per-hour": quota("accounts", D.accountCreation.perIpPerHour),
  burst: quota("accounts", D.accountCreation.burst),
};
const orderCreationShape = {
  "orders-per-account-per-hour": quota("orders", D.orderCreation.ordersPerAccountPerHour),
  "order-burst": quota("orders", D.orderCreation.orderBurst),
  "san-budget-per-account-per-hour": quota("identifiers", D.orderCreation.sanBudgetPerAccountPerHour),
};
const duplicateCertificateShape = {
  "max-per-window": quota("certificates", D.duplicateCertificate.maxPerWindow),
  window: window(D.duplicateCertificate.windowMs),
};
const failedValidationShape = {
  "max-per-window": quota("failed validations", D.failedValidation.maxPerWindow),
  window: window(D.failedValidation.windowMs),
};
const pendingAuthorizationsShape = { max: quota("authorizations", D.pendingAuthorizations.max) };

/**
 * 1..128 bits. 0 would put every IPv6 client in one bucket; 128 counts each address on its own,
 * which lets a host that owns a /64 (all of them) step around the per-address limits.
 */
const prefixLength: Check<number> = (value) => {
  const whole = wholeNumber("bits", 1, "every IPv6 client would share one bucket")(value);
  if (typeof whole === "string" || whole.value <= 128) return whole;
  return `expected a whole number of bits from 1 to 128, got ${whole.value}`;
};

const cidrList = list(field(parsedText("an IP address or a CIDR such as 10.0.0.0/8", parseCidr)), "IP addresses or CIDRs", 0);

export const rateLimitingShape = {
  global: limiter(globalShape, { "requests-per-minute": "requests", burst: "requests" }, true),
  abuse: limiter(abuseShape, { "abuses-before-block": "abuses", "recovery-per-minute": "abuses" }, true),
  "account-creation": limiter(accountCreationShape, { "per-ip-per-hour": "accounts", burst: "accounts" }, true),
  "order-creation": limiter(
    orderCreationShape,
    { "orders-per-account-per-hour": "orders", "order-burst": "orders", "san-budget-per-account-per-hour": "identifiers" },
    true,
  ),
  "duplicate-certificate": limiter(duplicateCertificateShape, { "max-per-window": "certificates" }, true),
  "failed-validation": limiter(failedValidationShape, { "max-per-window": "failed validations" }, true),
  "pending-authorizations": limiter(pendingAuthorizationsShape, { max: "authorizations" }, true),
  /** empty by default: RFC 1918 ranges are never trusted on their own (reference §7) */
  whitelist: cidrList.optional(),
  /** IPv6 clients are counted per network of this many bits by global, abuse and account-creation */
  "ipv6-prefix-length": optionalField(prefixLength, D.ipv6PrefixLength),
};

export const RATE_LIMITING_KEYS = {
  "rate-limiting": Object.keys(rateLimitingShape),
  "rate-limiting.global": ["enabled", ...Object.keys(globalShape)],
  "rate-limiting.abuse": ["enabled", ...Object.keys(abuseShape)],
  "rate-limiting.account-creation": ["enabled", ...Object.keys(accountCreationShape)],
  "rate-limiting.order-creation": ["enabled", ...Object.keys(orderCreationShape)],
  "rate-limiting.duplicate-certificate": ["enabled", ...Object.keys(duplicateCertificateShape)],
  "rate-limiting.failed-validation": ["enabled", ...Object.keys(failedValidationShape)],
  "rate-limiting.pending-authorizations": ["enabled", ...Object.keys(pendingAuthorizationsShape)],
} as const;

type Parsed = z.output<ReturnType<typeof section<typeof rateLimitingShape>>>;

export function normaliseRateLimiting(parsed: Parsed): RateLimitConfig {
  const orders = parsed["order-creation"];
  const duplicates = parsed["duplicate-certificate"];
  const failures = parsed["failed-validation"];
  return {
    global: { enabled: parsed.global.enabled, requestsPerMinute: parsed.global["requests-per-minute"], burst: parsed.global.burst },
    abuse: {
      enabled: parsed.abuse.enabled,
      abusesBeforeBlock: parsed.abuse["abuses-before-block"],
      recoveryPerMinute: parsed.abuse["recovery-per-minute"],
    },
    accountCreation: {
      enabled: parsed["account-creation"].enabled,
      perIpPerHour: parsed["account-creation"]["per-ip-per-hour"],
      burst: parsed["account-creation"].burst,
    },
    orderCreation: {
      enabled: orders.enabled,
      ordersPerAccountPerHour: orders["orders-per-account-per-hour"],
      orderBurst: orders["order-burst"],
      sanBudgetPerAccountPerHour: orders["san-budget-per-account-per-hour"],
    },
    duplicateCertificate: { enabled: duplicates.enabled, maxPerWindow: duplicates["max-per-window"], windowMs: duplicates.window },
    failedValidation: { enabled: failures.enabled, maxPerWindow: failures["max-per-window"], windowMs: failures.window },
    pendingAuthorizations: { enabled: parsed["pending-authorizations"].enabled, max: parsed["pending-authorizations"].max },
    whitelist: parsed.whitelist ?? [],
    ipv6PrefixLength: parsed["ipv6-prefix-length"],
  };
}
