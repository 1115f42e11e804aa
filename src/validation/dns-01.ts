/**
 * dns-01 (RFC 8555 §8.4): one of the TXT records at `_acme-challenge.<name>` must be the
 * base64url SHA-256 digest of the key authorization. Not for IP identifiers (RFC 8738 §7): the
 * validator refuses that combination before it gets here.
 */
import { createHash } from "node:crypto";
import type { CheckContext } from "./context.js";
import { describeDnsFailure } from "./dns/failure.js";
import { dnsLookupFor } from "./dns/lookup.js";
import { invalid, listSome, quote, valid } from "./outcome.js";
import { zoneFor } from "./select-profile.js";
import type { ChallengeToValidate, ValidationOutcome } from "./types.js";

const SHOWN_RECORDS = 3;

export function keyAuthorizationDigest(keyAuthorization: string): string {
  return createHash("sha256").update(keyAuthorization, "utf8").digest("base64url");
}

export async function checkDns01(challenge: ChallengeToValidate, context: CheckContext): Promise<ValidationOutcome> {
  const name = `_acme-challenge.${challenge.identifier.value}`;
  const activity = `Looking up TXT records for ${name}`;
  const answer = await dnsLookupFor(zoneFor(context.profile, name), context.deadline).txt(name);
  if (!answer.ok) {
    const why = answer.failure === "nodata" ? "no TXT record" : describeDnsFailure(answer.failure);
    return invalid("dns", `${activity}: ${why}`);
  }
  const expected = keyAuthorizationDigest(challenge.keyAuthorization);
  if (answer.records.includes(expected)) return valid(null);
  const count = answer.records.length;
  const found = listSome(answer.records.map((r) => quote(r)), SHOWN_RECORDS);
  return invalid(
    "unauthorized",
    `${activity}: found ${count} ${count === 1 ? "record" : "records"} (${found}), none of them the digest of this challenge's key authorization`,
  );
}
