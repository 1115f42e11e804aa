/**
 * Lookups through node's resolver (c-ares): UDP, falling back to TCP only when an answer is
 * truncated — the profile's default `protocol: udp` (reference §3.4). The channel is shared per
 * zone (shared-resolvers.ts), so a query is not cancelled at the deadline: the deadline is raced,
 * and the validation moves on at once.
 */
import { abortKind, type Deadline } from "../deadline.js";
import type { ResolverZone } from "../profile.js";
import { mergeAddressAnswers, type DnsAnswer, type DnsFailure } from "./failure.js";
import type { DnsLookup } from "./lookup.js";
import { sharedResolver } from "./shared-resolvers.js";

/** Addresses and TXT; CAA goes through our own client (lookup.ts says why). */
export function createCaresLookup(zone: ResolverZone | undefined, deadline: Deadline): Pick<DnsLookup, "addresses" | "txt"> {
  // c-ares doubles its timeout on each retry: two tries (t + 2t) fit in the attempt's budget.
  const resolver = sharedResolver(zone, Math.max(1, Math.floor(deadline.timeoutMs / 3)));

  const ask = async <T>(query: () => Promise<T[]>): Promise<DnsAnswer<T>> => {
    const { signal } = deadline;
    if (signal.aborted) return { ok: false, failure: abortKind(signal) };
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<DnsAnswer<T>>((resolve) => {
      onAbort = () => resolve({ ok: false, failure: abortKind(signal) });
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      const answered = query().then(
        (records): DnsAnswer<T> => ({ ok: true, records }),
        (error: unknown): DnsAnswer<T> => ({ ok: false, failure: failureOf(error) }),
      );
      return await Promise.race([answered, aborted]);
    } finally {
      if (onAbort !== undefined) signal.removeEventListener("abort", onAbort);
    }
  };
  return {
    async addresses(name) {
      const [a, aaaa] = await Promise.all([ask(() => resolver.resolve4(name)), ask(() => resolver.resolve6(name))]);
      return mergeAddressAnswers(a, aaaa);
    },
    async txt(name) {
      const answer = await ask(() => resolver.resolveTxt(name));
      // RFC 8555 §8.4 compares whole records: a record split into strings is joined back.
      return answer.ok ? { ok: true, records: answer.records.map((chunks) => chunks.join("")) } : answer;
    },
  };
}

function failureOf(error: unknown): DnsFailure {
  const code = error instanceof Error && "code" in error ? String(error.code) : "";
  switch (code) {
    case "ENOTFOUND":
      return "nxdomain";
    case "ENODATA":
      return "nodata";
    case "ESERVFAIL":
      return "servfail";
    case "EREFUSED":
      return "refused";
    case "ETIMEOUT":
      return "timeout";
    case "ECONNREFUSED":
      return "unreachable";
    case "EBADRESP":
    case "EFORMERR":
      return "malformed";
    default:
      return "other";
  }
}
