/**
 * Certeasy's own `acme` section: directory meta (RFC 8555 §7.1.1), External Account Binding
 * (§7.3.4), object lifetimes and validation effort — defaults, values and refusals.
 */
import { describe, expect, it } from "vitest";
import { parseConfigText } from "../../src/config/load.js";
import { MINIMAL, errorLines } from "./helpers.js";

const HOUR = 3_600_000;
const acme = (keys: string) => parseConfigText(`${MINIMAL}acme:\n${keys}`, "config.yml").acme;

describe("acme", () => {
  it("defaults: no meta links, EAB optional, 24h orders and authorizations, 30-day reuse, 90-day certificates", () => {
    const expected = {
      termsOfService: null,
      website: null,
      caaIdentities: [],
      externalAccountBinding: "optional",
      orderLifetimeMs: 24 * HOUR,
      authorizationLifetimeMs: 24 * HOUR,
      validAuthorizationLifetimeMs: 720 * HOUR,
      certificateLifetimeMs: 2_160 * HOUR,
      validationConcurrency: 16,
      validationRetries: 2,
      pendingDeadlineMs: 72 * HOUR,
      pendingPollIntervalMs: 30_000,
      revocationPublishDeadlineMs: 168 * HOUR,
    };
    expect(parseConfigText(MINIMAL, "config.yml").acme).toEqual(expected);
    expect(acme("")).toEqual(expected);
  });

  it("reads every key", () => {
    const config = acme(`  terms-of-service: https://pki.example.com/terms.pdf?v=2
  website: https://pki.example.com
  caa-identities:
    - PKI.Example.com.
    - pki.example.com
    - ca.example.net
  external-account-binding: required
  order-lifetime: 8h
  authorization-lifetime: 4h
  valid-authorization-lifetime: 0s
  certificate-lifetime: 720h
  validation-concurrency: 4
  validation-retries: 0
  pending-deadline: 24h
  pending-poll-interval: 5m
  revocation-publish-deadline: 48h
`);
    expect(config).toEqual({
      termsOfService: "https://pki.example.com/terms.pdf?v=2",
      website: "https://pki.example.com/",
      caaIdentities: ["pki.example.com", "ca.example.net"],
      externalAccountBinding: "required",
      orderLifetimeMs: 8 * HOUR,
      authorizationLifetimeMs: 4 * HOUR,
      validAuthorizationLifetimeMs: 0,
      certificateLifetimeMs: 720 * HOUR,
      validationConcurrency: 4,
      validationRetries: 0,
      pendingDeadlineMs: 24 * HOUR,
      pendingPollIntervalMs: 5 * 60_000,
      revocationPublishDeadlineMs: 48 * HOUR,
    });
  });

  it("keeps the other keys at their defaults when one is given", () => {
    const config = acme("  order-lifetime: 1h\n");
    expect(config.orderLifetimeMs).toBe(HOUR);
    expect(config.authorizationLifetimeMs).toBe(24 * HOUR);
    expect(config.externalAccountBinding).toBe("optional");
  });

  it("refuses meta links that are not https, or carry credentials, without echoing them", () => {
    const lines = errorLines(`${MINIMAL}acme:\n  terms-of-service: http://pki.example.com/terms\n  website: https://user:s3cret@pki.example.com/\n`);
    expect(lines).toEqual([
      "config.yml: acme.terms-of-service: expected an https URL such as https://pki.example.com/acme-terms.pdf, got a URL with scheme http",
      "config.yml: acme.website: expected an https URL such as https://pki.example.com/acme-terms.pdf, got a URL with a user name or password",
    ]);
    expect(lines.join("\n")).not.toContain("s3cret");
    expect(errorLines(`${MINIMAL}acme:\n  website: pki.example.com\n`)).toEqual([
      "config.yml: acme.website: expected an https URL such as https://pki.example.com/acme-terms.pdf, got not a URL",
    ]);
  });

  it("refuses a CAA identity that is not a domain name, naming the item", () => {
    expect(errorLines(`${MINIMAL}acme:\n  caa-identities:\n    - pki.example.com\n    - "*.example.com"\n`)).toEqual([
      'config.yml: acme.caa-identities.1: expected a domain name such as pki.example.com, got "*.example.com"',
    ]);
  });

  it("refuses an unknown EAB mode", () => {
    expect(errorLines(`${MINIMAL}acme:\n  external-account-binding: true\n`)).toEqual([
      "config.yml: acme.external-account-binding: expected one of optional, required, got true",
    ]);
  });

  it("refuses an explicit 0 on every lifetime except the reuse window", () => {
    expect(
      errorLines(`${MINIMAL}acme:\n  order-lifetime: 0\n  authorization-lifetime: 0s\n  certificate-lifetime: 0h\n  valid-authorization-lifetime: 0\n`),
    ).toEqual([
      "config.yml: acme.order-lifetime: expected a duration such as 500ms, 30s, 2m or 720h, got 0 (an explicit 0 is refused: every new order would be expired at once)",
      'config.yml: acme.authorization-lifetime: expected a duration such as 500ms, 30s, 2m or 720h, got "0s" (an explicit 0 is refused: every new authorization would be expired at once)',
      'config.yml: acme.certificate-lifetime: expected a duration such as 500ms, 30s, 2m or 720h, got "0h" (an explicit 0 is refused: every certificate would be expired when issued)',
    ]);
  });

  it("refuses a duration without a unit", () => {
    expect(errorLines(`${MINIMAL}acme:\n  valid-authorization-lifetime: 720\n`)).toEqual([
      "config.yml: acme.valid-authorization-lifetime: expected a duration such as 500ms, 30s, 2m or 720h, or 0 to disable (a number needs a unit), got 720",
    ]);
  });

  it("refuses a validation concurrency below 1 and negative or fractional retries", () => {
    expect(errorLines(`${MINIMAL}acme:\n  validation-concurrency: 0\n  validation-retries: -1\n`)).toEqual([
      "config.yml: acme.validation-concurrency: expected a whole number of validations of at least 1, got 0 (an explicit 0 is refused: no challenge would ever be validated)",
      "config.yml: acme.validation-retries: expected a whole number of retries, got -1",
    ]);
    expect(errorLines(`${MINIMAL}acme:\n  validation-retries: 1.5\n`)).toEqual([
      "config.yml: acme.validation-retries: expected a whole number of retries, got 1.5",
    ]);
  });

  it("polls a held request at pending-poll-interval: at least 1s, at most pending-deadline", () => {
    expect(acme("  pending-poll-interval: 1s\n").pendingPollIntervalMs).toBe(1_000);
    expect(acme("  pending-deadline: 10m\n  pending-poll-interval: 10m\n").pendingPollIntervalMs).toBe(10 * 60_000);
    expect(errorLines(`${MINIMAL}acme:\n  pending-poll-interval: 500ms\n`)).toEqual([
      'config.yml: acme.pending-poll-interval: expected a duration such as 500ms, 30s, 2m or 720h of at least 1s, got "500ms"',
    ]);
    expect(errorLines(`${MINIMAL}acme:\n  pending-poll-interval: 0\n`)).toEqual([
      "config.yml: acme.pending-poll-interval: expected a duration such as 500ms, 30s, 2m or 720h, got 0 (an explicit 0 is refused: a held request would be polled without pause)",
    ]);
    expect(errorLines(`${MINIMAL}acme:\n  pending-poll-interval: 30\n`)).toEqual([
      "config.yml: acme.pending-poll-interval: expected a duration such as 500ms, 30s, 2m or 720h (a number needs a unit), got 30",
    ]);
    // Against the default deadline (72h) and against one given beside it.
    expect(errorLines(`${MINIMAL}acme:\n  pending-poll-interval: 73h\n`)).toEqual([
      "config.yml: acme.pending-poll-interval: expected at most pending-deadline (72h), got 73h: a held request would be given up before it is polled",
    ]);
    expect(errorLines(`${MINIMAL}acme:\n  pending-deadline: 1m\n  pending-poll-interval: 90s\n`)).toEqual([
      "config.yml: acme.pending-poll-interval: expected at most pending-deadline (1m), got 90s: a held request would be given up before it is polled",
    ]);
  });

  it("refuses an unknown key, listing the known ones", () => {
    expect(errorLines(`${MINIMAL}acme:\n  eab: required\n`)[0]).toMatch(
      /^config\.yml: acme\.eab: unknown key; expected one of: terms-of-service, website, caa-identities, external-account-binding, /,
    );
  });
});
