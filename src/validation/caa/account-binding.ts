/**
 * The two parameters RFC 8657 adds to `issue` and `issuewild`: `accounturi` (§3) binds the
 * property to one ACME account, `validationmethods` (§4) to the challenge types listed. Each
 * occurrence is a condition of its own, so a property repeating a parameter authorizes only what
 * meets all of them. Parameters this server does not know are ignored (RFC 8659 §4.2 leaves their
 * meaning to the issuer they follow).
 */
import { quote } from "../outcome.js";
import type { IssuerParameter } from "./issuer-value.js";
import type { CaaRequest } from "./types.js";

/** Account URLs run past quote()'s default 64 characters; a record may hold far longer values. */
const SHOWN_URI = 256;
// RFC 8657 §4: value = [*(label ",") label], label = 1*(ALPHA / DIGIT / "-")
const METHODS = /^(?:[A-Za-z0-9-]+(?:,[A-Za-z0-9-]+)*)?$/;

/**
 * Why the parameters keep the property from authorizing this request, as the end of a sentence
 * ("… allow pki.example.com to issue <reason>"); undefined when they do not.
 */
export function unmetCondition(parameters: readonly IssuerParameter[], request: CaaRequest): string | undefined {
  for (const { tag, value } of parameters) {
    // RFC 8657 §3.1: an ACME account is named by its account URL, compared as a whole.
    if (tag === "accounturi" && !request.accountUris.includes(value)) {
      return `only to the ACME account ${quote(value, SHOWN_URI)}, and this request comes from ${request.accountUris[0] ?? "another account"}`;
    }
    if (tag === "validationmethods") {
      if (!METHODS.test(value)) return `only under a validationmethods parameter that is malformed (${quote(value)}), which allows no method`;
      // RFC 8657 §4.1: ACME challenge types are named as ACME names them, compared exactly.
      const methods = value === "" ? [] : value.split(",");
      if (!methods.includes(request.challengeType)) {
        const listed = methods.length === 0 ? "no validation method" : `validation by ${methods.join(", ")}`;
        return `only after ${listed}, and this name was validated by ${request.challengeType}`;
      }
    }
  }
  return undefined;
}
