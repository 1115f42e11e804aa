/**
 * Why a DNS lookup gave no usable records, in the words a problem detail uses. Both lookup
 * implementations (node's resolver over UDP, ours over TCP) report through this one type.
 */

export type DnsFailure =
  | "nxdomain"
  | "nodata"
  | "servfail"
  | "refused"
  | "timeout"
  | "cancelled"
  | "unreachable"
  | "malformed"
  | "other";

export type DnsAnswer<T> = { readonly ok: true; readonly records: readonly T[] } | { readonly ok: false; readonly failure: DnsFailure };

const PHRASES: Readonly<Record<DnsFailure, string>> = {
  nxdomain: "no such name (NXDOMAIN)",
  nodata: "no record of that type",
  servfail: "the DNS server failed to answer (SERVFAIL)",
  refused: "the DNS server refused the query (REFUSED)",
  timeout: "timed out",
  cancelled: "was cancelled by the server",
  unreachable: "the DNS server could not be reached",
  malformed: "the DNS server sent a malformed answer",
  other: "the lookup failed",
};

export function describeDnsFailure(failure: DnsFailure): string {
  return PHRASES[failure];
}

/**
 * A and AAAA asked together: records from either make a usable answer; otherwise report the
 * more telling failure (a timeout says more than "no A record" on the other query).
 */
export function mergeAddressAnswers(a: DnsAnswer<string>, aaaa: DnsAnswer<string>): DnsAnswer<string> {
  const records = [...(a.ok ? a.records : []), ...(aaaa.ok ? aaaa.records : [])];
  if (records.length > 0) return { ok: true, records };
  const failures = [a, aaaa].map((answer) => (answer.ok ? "nodata" : answer.failure));
  if (failures.includes("nxdomain")) return { ok: false, failure: "nxdomain" };
  return { ok: false, failure: failures.find((f) => f !== "nodata") ?? "nodata" };
}
