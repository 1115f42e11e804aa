/**
 * The `acme` section — Certeasy's own, not a product section: what the directory advertises
 * in `meta` (RFC 8555 §7.1.1), whether accounts need External Account Binding (§7.3.4), how
 * long orders, authorizations and certificates live (§7.1.3, §7.1.4), and how hard the
 * challenge validators work (§8.2).
 */
import { canonicalDomainName } from "./domain-name.js";
import { DEFAULTS } from "./defaults.js";
import type { z } from "zod";
import { DURATION_HINT, formatDuration } from "./duration.js";
import { describeValue } from "./errors.js";
import { duration, field, list, oneOf, optionalField, parsedText, wholeNumber } from "./fields.js";
import type { Check } from "./fields.js";

/**
 * A page a person opens from the directory meta: https (RFC 8555 §6.1 keeps the whole exchange
 * on TLS), with a host and no credentials. Unlike `server.url` it may carry a query or a
 * fragment (`terms.pdf#v2`). Never echoes the text, which could hold a password.
 */
const httpsLink: Check<string> = (value) => {
  const expected = "expected an https URL such as https://pki.example.com/acme-terms.pdf";
  if (typeof value !== "string") return `${expected}, got ${describeValue(value)}`;
  const text = value.trim();
  if (!URL.canParse(text)) return `${expected}, got not a URL`;
  const url = new URL(text);
  if (url.protocol !== "https:") return `${expected}, got a URL with scheme ${url.protocol.replace(/:$/, "")}`;
  if (url.hostname === "") return `${expected}, got a URL without a host`;
  if (url.username !== "" || url.password !== "") return `${expected}, got a URL with a user name or password`;
  return { ok: true, value: url.href };
};

const lifetime = (fallback: number, zeroReason: string) =>
  optionalField(duration({ allowZero: false, zeroReason: `an explicit 0 is refused: ${zeroReason}` }), fallback);

/** Faster than once a second would be a CLI process (certreq) or an HTTP request per held order and second. */
const MIN_POLL_INTERVAL_MS = 1_000;

const pollInterval: Check<number> = (value) => {
  const ms = duration({ allowZero: false, zeroReason: "an explicit 0 is refused: a held request would be polled without pause" })(value);
  if (typeof ms === "string" || ms.value >= MIN_POLL_INTERVAL_MS) return ms;
  return `expected ${DURATION_HINT} of at least ${formatDuration(MIN_POLL_INTERVAL_MS)}, got ${describeValue(value)}`;
};

/**
 * A poll interval longer than the deadline would give a held request up before its first poll:
 * refused on the section, where both keys are known, and named on the interval.
 */
export function checkPendingPoll(acme: { readonly "pending-deadline": number; readonly "pending-poll-interval": number }, ctx: z.RefinementCtx): void {
  if (acme["pending-poll-interval"] <= acme["pending-deadline"]) return;
  ctx.addIssue({
    code: "custom",
    path: ["pending-poll-interval"],
    message: `expected at most pending-deadline (${formatDuration(acme["pending-deadline"])}), got ${formatDuration(acme["pending-poll-interval"])}: a held request would be given up before it is polled`,
  });
}

export const EAB_MODES = ["optional", "required"] as const;

export const acmeShape = {
  /** directory meta.termsOfService; when set, newAccount must agree (RFC 8555 §7.3) */
  "terms-of-service": optionalField<string | null>(httpsLink, null),
  /** directory meta.website */
  website: optionalField<string | null>(httpsLink, null),
  /** directory meta.caaIdentities: the issuer domain names CAA records name this CA by (RFC 8659 §4.2) */
  "caa-identities": list(field(parsedText("a domain name such as pki.example.com", canonicalDomainName)), "domain names", 1).optional(),
  /** RFC 8555 §7.3.4; `required` sets directory meta.externalAccountRequired */
  "external-account-binding": optionalField(oneOf(EAB_MODES), DEFAULTS.acme.externalAccountBinding),
  "order-lifetime": lifetime(DEFAULTS.acme.orderLifetimeMs, "every new order would be expired at once"),
  "authorization-lifetime": lifetime(DEFAULTS.acme.authorizationLifetimeMs, "every new authorization would be expired at once"),
  /** 0 is allowed here: it turns authorization reuse off, every order gets fresh authorizations */
  "valid-authorization-lifetime": optionalField(duration({ allowZero: true }), DEFAULTS.acme.validAuthorizationLifetimeMs),
  "certificate-lifetime": lifetime(DEFAULTS.acme.certificateLifetimeMs, "every certificate would be expired when issued"),
  "validation-concurrency": optionalField(
    wholeNumber("validations", 1, "an explicit 0 is refused: no challenge would ever be validated"),
    DEFAULTS.acme.validationConcurrency,
  ),
  "validation-retries": optionalField(wholeNumber("retries", 0), DEFAULTS.acme.validationRetries),
  /** how long a CA may hold a request for approval before the order is given up (issue 4) */
  "pending-deadline": lifetime(DEFAULTS.acme.pendingDeadlineMs, "every request held for approval would be given up at once"),
  /**
   * how often a request the CA holds for approval is polled (RFC 8555 §7.4: the order stays
   * processing, and its Retry-After says when to look again); at least 1s, at most pending-deadline
   */
  "pending-poll-interval": optionalField(pollInterval, DEFAULTS.acme.pendingPollIntervalMs),
  /** how long revocation propagation retries a CA that fails (behaviour reference §2.4, issue 4) */
  "revocation-publish-deadline": lifetime(DEFAULTS.acme.revocationPublishDeadlineMs, "a CA that fails once would never be told of the revocation"),
};
