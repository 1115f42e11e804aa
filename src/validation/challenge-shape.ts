/**
 * The checks a challenge passes before any network traffic: its identifier is one this server
 * can validate with this challenge type. The caller is expected to send canonical identifiers;
 * anything else is refused here rather than turned into a request to an odd URL or name.
 */
import { ipFamily } from "./ip.js";
import { invalid, quote } from "./outcome.js";
import type { ChallengeToValidate, ValidationOutcome } from "./types.js";

// RFC 1035 §2.3.1 LDH labels (plus "_", seen in internal names), at most 253 characters.
const DNS_NAME = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;
// RFC 8555 §8.3: a token is base64url; anything else could change the http-01 path.
const TOKEN = /^[A-Za-z0-9_-]{16,}$/;

const CHALLENGE_TYPES: ReadonlySet<string> = new Set(["http-01", "dns-01", "tls-alpn-01"]);

export type Shaped = { readonly ok: true; readonly challenge: ChallengeToValidate } | { readonly ok: false; readonly outcome: ValidationOutcome };

export function shapeChallenge(challenge: ChallengeToValidate): Shaped {
  const { type, identifier, token } = challenge;
  // Caller bugs, not client mistakes: the generic internal-error outcome.
  if (!CHALLENGE_TYPES.has(type) || !TOKEN.test(token)) return { ok: false, outcome: internalError() };
  if (identifier.type === "ip") {
    if (ipFamily(identifier.value) === 0) return reject(`${quote(identifier.value)} is not an IP address`);
    // RFC 8738 §7: the DNS challenge MUST NOT be used to validate IP identifiers.
    if (type === "dns-01") return reject(`dns-01 cannot validate the IP address ${identifier.value}`);
    return { ok: true, challenge };
  }
  if (identifier.type !== "dns") return reject(`identifiers of type ${quote(String(identifier.type))} cannot be validated`);
  const name = identifier.value.toLowerCase().replace(/\.$/, "");
  if (name.startsWith("*.")) return reject(`${name} is a wildcard; challenges validate the name without "*."`);
  if (ipFamily(name) !== 0 || !DNS_NAME.test(name)) return reject(`${quote(identifier.value)} is not a DNS name this server can validate`);
  return { ok: true, challenge: { ...challenge, identifier: { type: "dns", value: name } } };
}

export function internalError(): ValidationOutcome {
  return invalid("serverInternal", "The server could not complete this validation because of an internal error");
}

function reject(detail: string): Shaped {
  return { ok: false, outcome: invalid("rejectedIdentifier", detail) };
}
