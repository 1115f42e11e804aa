/** Builders for the rate-limit tests: a config with the defaults, and a hash-chained log. */
import { randomUUID } from "node:crypto";
import {
  AccountRegistered,
  AuthorizationValid,
  CertificateIssued,
  CertificateRevoked,
  ChallengeInvalid,
  GENESIS_HASH,
  OrderCreated,
  sealEnvelope,
  type PendingEvent,
  type StoredEvent,
} from "../../events/index.js";
import { parseConfigText } from "../../src/config/load.js";
import type { RateLimitConfig } from "../../src/config/types.js";

export const T0 = Date.parse("2026-03-01T12:00:00.000Z");
export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const iso = (ms: number): string => new Date(ms).toISOString();

/** The defaults of §7, with `yaml` (indented under rate-limiting:) on top. */
export function rateConfig(yaml = ""): RateLimitConfig {
  const text = `workdir: /srv/certeasy\nserver:\n  url:\n    - https://acme.example.test/\nrate-limiting:\n${yaml}`;
  return parseConfigText(text, "config.yml").rateLimiting;
}

export class Log {
  readonly events: StoredEvent[] = [];

  append(event: PendingEvent, at: number, sourceIp?: string): StoredEvent {
    const prev = this.events.at(-1);
    const stored = sealEnvelope({
      at: iso(at),
      data: event.data,
      eid: randomUUID(),
      gp: this.events.length + 1,
      meta: { node: "node-1", ...(sourceIp === undefined ? {} : { sourceIp }) },
      prev: prev?.hash ?? GENESIS_HASH,
      sid: `test:${this.events.length}`,
      sv: 1,
      type: event.type,
      v: event.v,
    });
    this.events.push(stored);
    return stored;
  }
}

const JWK = { kty: "OKP", crv: "Ed25519", x: "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo" } as const;

export const registered = (accountId = randomUUID()) =>
  AccountRegistered.create({
    accountId,
    jwk: JWK,
    thumbprint: "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k",
    contact: [],
    termsOfServiceAgreed: true,
    externalAccountBinding: null,
  });

export interface OrderShape {
  readonly accountId: string;
  readonly names: readonly string[];
  readonly authzExpires: number;
}

/** An order whose every name gets a new authorization; returns the event and the authz ids. */
export function orderCreated({ accountId, names, authzExpires }: OrderShape) {
  const authz = names.map((name) => ({
    authzId: randomUUID(),
    identifier: { type: "dns" as const, value: name.replace(/^\*\./, "") },
    wildcard: name.startsWith("*."),
    expires: iso(authzExpires),
    challenges: [{ challengeId: randomUUID(), type: "dns-01" as const, token: "A".repeat(43) }],
  }));
  const event = OrderCreated.create({
    orderId: randomUUID(),
    accountId,
    identifiers: names.map((value) => ({ type: "dns" as const, value })),
    identifiersHash: "a".repeat(64),
    notBefore: null,
    notAfter: null,
    expires: iso(authzExpires),
    policy: "default",
    profile: null,
    replacesCertificateId: null,
    authorizationIds: authz.map((a) => a.authzId),
    newAuthorizations: authz,
  });
  return { event, authzIds: authz.map((a) => a.authzId) };
}

export const challengeInvalid = (authzId: string) =>
  ChallengeInvalid.create({ authzId, challengeId: randomUUID(), error: { type: "unauthorized", detail: "wrong token" }, address: null });

export const authorizationValid = (authzId: string, expires: number) => AuthorizationValid.create({ authzId, expires: iso(expires) });

export function certificateIssued(accountId: string, identifiersHash: string, notBefore: number, certificateId = randomUUID()) {
  return CertificateIssued.create({
    certificateId,
    accountId,
    identifiers: [{ type: "dns", value: "www.example.test" }],
    identifiersHash,
    authority: "local",
    serial: "01",
    aki: "02",
    notBefore: iso(notBefore),
    notAfter: iso(notBefore + 90 * 24 * HOUR),
    chainPem: "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n",
    spkiSha256: "b".repeat(64),
  });
}

export const certificateRevoked = (certificateId: string, accountId: string) =>
  CertificateRevoked.create({ certificateId, reason: 0, authorisedBy: "issuing-account", accountId });
