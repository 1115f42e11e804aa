/**
 * May this CA issue for the name, given its relevant CAA RRset (RFC 8659 §4)? Pure: the records,
 * the request and the issuer domain names this server answers to (`acme.caa-identities`) in, a
 * verdict out — and when it is a refusal, a reason that names the records and what they allow,
 * so the domain's owner knows which record to change.
 */
import { listSome, quote } from "../outcome.js";
import { unmetCondition } from "./account-binding.js";
import { parseIssuerValue } from "./issuer-value.js";
import type { CaaRequest, CaaVerdict, RelevantRrset } from "./types.js";

/**
 * The property tags this CA understands (RFC 8659 §4.1: a critical property with any other tag
 * forbids issuance). issue, issuewild and iodef are RFC 8659's; issuemail (RFC 9495) concerns
 * S/MIME only; contactemail and contactphone (CA/Browser Forum Baseline Requirements, Appendix
 * A) only publish contacts. None of the last four restrict TLS issuance, so knowing them is
 * ignoring them.
 */
const KNOWN_TAGS: ReadonlySet<string> = new Set(["issue", "issuewild", "iodef", "issuemail", "contactemail", "contactphone"]);

const PERMITTED: CaaVerdict = { permitted: true };
const SHOWN = 3;

type Judgement =
  | { readonly kind: "authorizes" }
  | { readonly kind: "malformed"; readonly value: string }
  | { readonly kind: "nobody"; readonly value: string }
  | { readonly kind: "other-issuer"; readonly issuer: string }
  | { readonly kind: "unmet"; readonly issuer: string; readonly reason: string };

export function caaVerdict(rrset: RelevantRrset | null, request: CaaRequest, identities: readonly string[]): CaaVerdict {
  // RFC 8659 §3: no CAA RRset up to the root, no restriction.
  if (rrset === null) return PERMITTED;
  const where = recordsFor(rrset, request);
  const critical = rrset.records.find((r) => r.critical && !KNOWN_TAGS.has(r.tag));
  if (critical !== undefined) {
    return refused(
      `${where} hold the critical property ${quote(critical.tag)}, which this certificate authority does not know; RFC 8659 §4.1 forbids issuing under it`,
    );
  }
  // RFC 8659 §4.3: for a wildcard, issuewild properties replace issue ones when there are any;
  // for any other name they are ignored.
  const tag = request.wildcard && rrset.records.some((r) => r.tag === "issuewild") ? "issuewild" : "issue";
  const properties = rrset.records.filter((r) => r.tag === tag);
  // RFC 8659 §4.2: an RRset without issue (or issuewild) properties does not restrict issuance.
  if (properties.length === 0) return PERMITTED;
  const judged = properties.map((p) => judge(p.value, request, identities));
  if (judged.some((j) => j.kind === "authorizes")) return PERMITTED;
  return refused(explain(where, tag, judged, identities));
}

function judge(value: string, request: CaaRequest, identities: readonly string[]): Judgement {
  const parsed = parseIssuerValue(value);
  if (parsed === null) return { kind: "malformed", value };
  if (parsed.issuer === null) return { kind: "nobody", value };
  // RFC 8659 §4.2: the issuer domain name is compared with the CA's own, case-insensitively and
  // whole (a name below one of ours is another issuer).
  if (!identities.includes(parsed.issuer)) return { kind: "other-issuer", issuer: parsed.issuer };
  const reason = unmetCondition(parsed.parameters, request);
  return reason === undefined ? { kind: "authorizes" } : { kind: "unmet", issuer: parsed.issuer, reason };
}

/** The most telling reason first: a property naming us whose conditions fail, then the issuers named instead. */
function explain(where: string, tag: string, judged: readonly Judgement[], identities: readonly string[]): string {
  const what = tag === "issuewild" ? "issue wildcard certificates" : "issue";
  const unmet = judged.find((j) => j.kind === "unmet");
  if (unmet !== undefined) return `${where} allow ${unmet.issuer} to ${what} ${unmet.reason}`;
  const issuers = [...new Set(judged.flatMap((j) => (j.kind === "other-issuer" ? [j.issuer] : [])))];
  if (issuers.length > 0) return `${where} allow only ${listSome(issuers, SHOWN)} to ${what}, not ${orList(identities)}`;
  const malformed = judged.find((j) => j.kind === "malformed");
  if (malformed !== undefined) {
    return `${where} hold the ${tag} property ${quote(malformed.value)}, which is malformed (RFC 8659 §4.2) and allows no certificate authority to ${what}`;
  }
  const nobody = judged.find((j) => j.kind === "nobody");
  return `${where} allow no certificate authority to ${what} (${tag} ${quote(nobody?.value ?? ";")})`;
}

/** "CAA records for *.a.test (published at a.test)": where the owner should look. */
function recordsFor(rrset: RelevantRrset, request: CaaRequest): string {
  const shown = request.wildcard ? `*.${request.name}` : request.name;
  return rrset.owner === shown ? `CAA records for ${shown}` : `CAA records for ${shown} (published at ${rrset.owner})`;
}

/** "a.test", "a.test or b.test", "a.test, b.test or c.test", "a.test, b.test, c.test or 2 more" */
function orList(names: readonly string[]): string {
  const shown = names.slice(0, SHOWN);
  const more = names.length - shown.length;
  if (more > 0) return `${shown.join(", ")} or ${more} more`;
  const last = shown.at(-1) ?? "this certificate authority";
  return shown.length > 1 ? `${shown.slice(0, -1).join(", ")} or ${last}` : last;
}

const refused = (reason: string): CaaVerdict => ({ permitted: false, reason });
