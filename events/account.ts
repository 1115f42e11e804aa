/**
 * ACME accounts (RFC 8555 §7.1.2, §7.3). Stream `account:<accountId>`, the id a UUIDv7 minted by
 * the command handler. The data holds what an auditor needs to follow an account — its public
 * key, contacts and terms agreement — and never a secret: the JWK schemas below accept public
 * members only, so a private key handed over by mistake is refused before it reaches the log.
 */
import { z } from "zod";
import { defineEvent } from "./define.js";

export const accountStreamId = (accountId: string): string => `account:${accountId}`;

const base64url = z.string().regex(/^[A-Za-z0-9_-]+$/, "base64url without padding");

/** The public members of an account key (RFC 7517/7518/8037), in the shape the JWS layer keeps. */
export const accountJwkSchema = z.discriminatedUnion("kty", [
  z.strictObject({ kty: z.literal("RSA"), n: base64url, e: base64url }),
  z.strictObject({ kty: z.literal("EC"), crv: z.enum(["P-256", "P-384", "P-521"]), x: base64url, y: base64url }),
  z.strictObject({ kty: z.literal("OKP"), crv: z.literal("Ed25519"), x: base64url }),
]);
export type AccountJwk = z.infer<typeof accountJwkSchema>;

/** RFC 7638 JWK thumbprint with SHA-256 (RFC 8555 §8.1): 32 bytes, 43 base64url characters. */
export const thumbprintSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "a base64url SHA-256 JWK thumbprint");

/**
 * Contacts as the decider accepted them. The schema checks only the scheme: what counts as a
 * valid address is policy that may change, and events written under an older policy must
 * still decode.
 */
const contactSchema = z.array(z.string().startsWith("mailto:"));

export const AccountRegistered = defineEvent(
  "acme.account.registered",
  z.strictObject({
    accountId: z.uuid(),
    jwk: accountJwkSchema,
    thumbprint: thumbprintSchema,
    contact: contactSchema,
    termsOfServiceAgreed: z.boolean(),
    /** RFC 8555 §7.3.4: which EAB key vouched for the account; the HMAC key itself is never logged */
    externalAccountBinding: z.union([z.null(), z.strictObject({ keyId: z.string().min(1).max(128) })]),
  }),
);

/** RFC 8555 §7.3.2: the contact list replaced as a whole (an empty list removes every contact). */
export const AccountUpdated = defineEvent("acme.account.updated", z.strictObject({ contact: contactSchema }));

/** RFC 8555 §7.3.5: key rollover; the old thumbprint lets an auditor follow the key history. */
export const AccountKeyChanged = defineEvent(
  "acme.account.key-changed",
  z.strictObject({ oldThumbprint: thumbprintSchema, jwk: accountJwkSchema, thumbprint: thumbprintSchema }),
);

/** RFC 8555 §7.3.6: terminal; the server accepts no further request signed by the account key. */
export const AccountDeactivated = defineEvent("acme.account.deactivated", z.strictObject({}));

export const accountEvents = [AccountRegistered, AccountUpdated, AccountKeyChanged, AccountDeactivated] as const;
