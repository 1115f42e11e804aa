/**
 * ACME orders and everything that hangs off one (RFC 8555 §7.1.3–7.1.6, §7.4–7.6): its
 * authorizations and their challenges, the finalization, the certificate and its revocation.
 * Stream `order:<orderId>` — one aggregate, so the transitions that must happen together
 * (challenge valid → authorization valid → order ready; certificate issued → order valid) are one
 * append. An order may also list authorizations created by an earlier order of the same account
 * (reuse, §7.1.3); those stay in the stream that created them. Ids are UUIDv7.
 */
import { z } from "zod";
import { defineEvent } from "./define.js";

export const orderStreamId = (orderId: string): string => `order:${orderId}`;

const isoTime = z.iso.datetime({ offset: false });
const token = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "128 random bits, base64url");
const hex = z.string().regex(/^[0-9a-f]+$/, "lower-case hex");

export const identifierSchema = z.strictObject({ type: z.enum(["dns", "ip"]), value: z.string().min(1).max(253) });

export const challengeTypeSchema = z.enum(["http-01", "dns-01", "tls-alpn-01"]);
export type ChallengeType = z.infer<typeof challengeTypeSchema>;

/** An RFC 7807 problem as recorded (RFC 8555 §6.7 short type, no internal detail). */
export const problemSchema = z.strictObject({
  type: z.string().min(1).max(64),
  detail: z.string().max(1024),
  subproblems: z
    .array(z.strictObject({ type: z.string().min(1).max(64), detail: z.string().max(1024), identifier: identifierSchema }))
    .optional(),
});
export type RecordedProblem = z.infer<typeof problemSchema>;

const newAuthorizationSchema = z.strictObject({
  authzId: z.uuid(),
  /** without the "*." of a wildcard, which `wildcard` records (RFC 8555 §7.1.4) */
  identifier: identifierSchema,
  wildcard: z.boolean(),
  expires: isoTime,
  challenges: z.array(z.strictObject({ challengeId: z.uuid(), type: challengeTypeSchema, token })).min(1),
});

export const OrderCreated = defineEvent(
  "acme.order.created",
  z.strictObject({
    orderId: z.uuid(),
    accountId: z.uuid(),
    /** canonical: lower-case, deduplicated, sorted (src/domain/order/identifiers.ts) */
    identifiers: z.array(identifierSchema).min(1),
    /** sha256 of the canonical list: duplicate-certificate limits and renewal detection hash it */
    identifiersHash: hex.length(64),
    notBefore: isoTime.nullable(),
    notAfter: isoTime.nullable(),
    expires: isoTime,
    /** the issuance policy chosen at creation and pinned to the order (reference §2.2) */
    policy: z.string().min(1).max(64),
    /** draft-ietf-acme-profiles, as chosen (by the client or the server) */
    profile: z.string().max(64).nullable(),
    /** RFC 9773 §5: the certificate this order replaces */
    replacesCertificateId: z.uuid().nullable(),
    /** every authorization of the order, in identifier order */
    authorizationIds: z.array(z.uuid()).min(1),
    /** the authorizations this order created; the others are reused valid ones */
    newAuthorizations: z.array(newAuthorizationSchema),
  }),
);

/** RFC 8555 §7.5.1: the client asked the server to validate; the work queue picks it up. */
export const ChallengeProcessing = defineEvent(
  "acme.challenge.processing",
  z.strictObject({ authzId: z.uuid(), challengeId: z.uuid(), keyAuthorization: z.string().min(44).max(200) }),
);

export const ChallengeValid = defineEvent(
  "acme.challenge.valid",
  z.strictObject({ authzId: z.uuid(), challengeId: z.uuid(), validated: isoTime, address: z.string().max(64).nullable() }),
);

export const ChallengeInvalid = defineEvent(
  "acme.challenge.invalid",
  z.strictObject({ authzId: z.uuid(), challengeId: z.uuid(), error: problemSchema, address: z.string().max(64).nullable() }),
);

/** RFC 8555 §7.1.6: one valid challenge makes the authorization valid, until `expires`. */
export const AuthorizationValid = defineEvent("acme.authorization.valid", z.strictObject({ authzId: z.uuid(), expires: isoTime }));

export const AuthorizationInvalid = defineEvent("acme.authorization.invalid", z.strictObject({ authzId: z.uuid() }));

/** RFC 8555 §7.5.2: the client gave the authorization up. */
export const AuthorizationDeactivated = defineEvent("acme.authorization.deactivated", z.strictObject({ authzId: z.uuid() }));

/** RFC 8555 §7.1.6: every authorization of the order is valid. */
export const OrderReady = defineEvent("acme.order.ready", z.strictObject({}));

/** RFC 8555 §7.4: the CSR passed its checks and goes to `authority`; the order is `processing`. */
export const OrderFinalizing = defineEvent(
  "acme.order.finalizing",
  z.strictObject({
    /** base64url DER, kept so that issuance resumes after a crash */
    csr: z.string().regex(/^[A-Za-z0-9_-]+$/).max(90_000),
    authority: z.string().min(1).max(64),
    /** the policy's other authorities that accept this CSR, in the order failover tries them (reference §3.3) */
    fallbacks: z.array(z.string().min(1).max(64)),
    /** what the checks found, so issuance (and its resumption) need not parse the CSR again */
    publicKey: z.string().regex(/^[A-Za-z0-9_-]+$/).max(4_096),
    spkiSha256: hex.length(64),
    extraEkus: z.array(z.string().regex(/^\d+(\.\d+)+$/)),
  }),
);

/**
 * Failover (reference §3.3 `first_available`): the authority could not be reached, so the
 * request goes to the next one. Nothing was issued by the first: it never answered.
 */
export const OrderAuthorityChanged = defineEvent(
  "acme.order.authority-changed",
  z.strictObject({ from: z.string().min(1).max(64), to: z.string().min(1).max(64), reason: z.string().max(1024) }),
);

/**
 * The request is about to go to `authority` (issue 4: "every submission is recorded before the
 * external call"). Until the authority's answer (pending, issued, refused) or a failover is
 * recorded, a restart finds this and knows the CA may hold the request already: an authority
 * outside the process is then not asked a second time (see issuance-work.ts).
 */
export const OrderSubmitting = defineEvent("acme.order.submitting", z.strictObject({ authority: z.string().min(1).max(64) }));

/** The CA holds the request for approval (ADCS manager approval); issuance polls `requestId`. */
export const OrderPendingAtAuthority = defineEvent(
  "acme.order.pending-at-authority",
  z.strictObject({
    authority: z.string().min(1).max(64),
    requestId: z.string().min(1).max(128),
    /** when the CA first said it holds the request: the start of `acme.pending-deadline` */
    since: isoTime,
  }),
);

export const CertificateIssued = defineEvent(
  "acme.certificate.issued",
  z.strictObject({
    certificateId: z.uuid(),
    /** repeated from the order so the certificate stands on its own for auditors and projections */
    accountId: z.uuid(),
    identifiers: z.array(identifierSchema).min(1),
    identifiersHash: hex.length(64),
    authority: z.string().min(1).max(64),
    serial: hex.max(64),
    /** authority key identifier: with the serial, the RFC 9773 certID */
    aki: hex.max(128),
    notBefore: isoTime,
    notAfter: isoTime,
    /** RFC 8555 §7.4.2 application/pem-certificate-chain, leaf first */
    chainPem: z.string().min(1).max(65_536),
    /** hex sha256 of the certificate's DER SubjectPublicKeyInfo: revocation by certificate key (§7.6) */
    spkiSha256: hex.length(64),
  }),
);

/** RFC 8555 §7.1.6: the certificate is issued and downloadable. */
export const OrderValid = defineEvent("acme.order.valid", z.strictObject({ certificateId: z.uuid() }));

/** RFC 8555 §7.1.6: terminal failure (validation failed, CSR refused by the CA, expiry…). */
export const OrderInvalid = defineEvent("acme.order.invalid", z.strictObject({ error: problemSchema }));

/** RFC 5280 §5.3.1 reason codes Certeasy accepts (RFC 8555 §7.6); 6 and 8 are not terminal, 7 is unused. */
export const revocationReasonSchema = z.union([
  z.literal(0),
  z.literal(1),
  z.literal(2),
  z.literal(3),
  z.literal(4),
  z.literal(5),
  z.literal(9),
  z.literal(10),
]);

export const CertificateRevoked = defineEvent(
  "acme.certificate.revoked",
  z.strictObject({
    certificateId: z.uuid(),
    reason: revocationReasonSchema,
    /** RFC 8555 §7.6: who was allowed to revoke */
    authorisedBy: z.enum(["issuing-account", "authorized-account", "certificate-key"]),
    /** the account that signed the request (null when signed with the certificate key) */
    accountId: z.uuid().nullable(),
  }),
);

export const orderEvents = [
  OrderCreated,
  ChallengeProcessing,
  ChallengeValid,
  ChallengeInvalid,
  AuthorizationValid,
  AuthorizationInvalid,
  AuthorizationDeactivated,
  OrderReady,
  OrderFinalizing,
  OrderAuthorityChanged,
  OrderSubmitting,
  OrderPendingAtAuthority,
  CertificateIssued,
  OrderValid,
  OrderInvalid,
  CertificateRevoked,
] as const;
