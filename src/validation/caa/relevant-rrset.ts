/**
 * The search for the relevant RRset (RFC 8659 §3): ask for CAA records at the name, then at its
 * parent, label by label up to but not including the root; the first name that has any holds
 * the relevant RRset. A name without CAA records or without existence (NODATA, NXDOMAIN) sends
 * the search one label up; any other failure ends it, because a record the search could not see
 * may be the one that forbids issuance. Each name's lookup is the caller's (the profile's
 * resolver for that name, under the validation's deadline).
 */
import type { DnsAnswer, DnsFailure } from "../dns/failure.js";
import type { CaaRecord } from "../dns/lookup.js";
import type { RelevantRrset } from "./types.js";

export type RrsetSearch =
  | { readonly ok: true; readonly rrset: RelevantRrset | null }
  | { readonly ok: false; readonly at: string; readonly failure: DnsFailure };

export async function findRelevantRrset(name: string, caaAt: (name: string) => Promise<DnsAnswer<CaaRecord>>): Promise<RrsetSearch> {
  const labels = name.toLowerCase().replace(/\.$/, "").split(".");
  for (let first = 0; first < labels.length; first++) {
    const candidate = labels.slice(first).join(".");
    const answer = await caaAt(candidate);
    if (answer.ok) {
      if (answer.records.length > 0) return { ok: true, rrset: { owner: candidate, records: answer.records } };
    } else if (answer.failure !== "nodata" && answer.failure !== "nxdomain") {
      return { ok: false, at: candidate, failure: answer.failure };
    }
  }
  return { ok: true, rrset: null };
}
