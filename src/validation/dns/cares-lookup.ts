/**
 * Lookups through node's resolver (c-ares): UDP, falling back to TCP only when an answer is
 * truncated — the profile's default `protocol: udp` (reference §3.4). A fresh `Resolver` per
 * validation, so `setServers` never leaks between profiles, and cancelling it at the deadline
 * rejects every query still in flight.
 */
import { Resolver } from "node:dns/promises";
import { abortKind, type Deadline } from "../deadline.js";
import type { ResolverZone } from "../profile.js";
import { mergeAddressAnswers, type DnsAnswer, type DnsFailure } from "./failure.js";
import type { DnsLookup } from "./lookup.js";

const TRIES = 2;

export function createCaresLookup(zone: ResolverZone | undefined, deadline: Deadline): DnsLookup {
  // c-ares doubles its timeout on each retry: two tries of a third each fit in the budget.
  const timeout = Math.max(1, Math.floor(deadline.remainingMs() / 3));
  const resolver = new Resolver({ timeout, tries: TRIES });
  if (zone !== undefined && zone.dnsServers.length > 0) resolver.setServers([...zone.dnsServers]);
  const onAbort = (): void => resolver.cancel();

  const ask = async <T>(query: () => Promise<T[]>): Promise<DnsAnswer<T>> => {
    if (deadline.signal.aborted) return { ok: false, failure: abortKind(deadline.signal) };
    deadline.signal.addEventListener("abort", onAbort, { once: true });
    try {
      return { ok: true, records: await query() };
    } catch (error) {
      return { ok: false, failure: failureOf(error, deadline) };
    } finally {
      deadline.signal.removeEventListener("abort", onAbort);
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

function failureOf(error: unknown, deadline: Deadline): DnsFailure {
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
    case "ECANCELLED":
      return deadline.signal.aborted && abortKind(deadline.signal) === "cancelled" ? "cancelled" : "timeout";
    case "ECONNREFUSED":
      return "unreachable";
    case "EBADRESP":
    case "EFORMERR":
      return "malformed";
    default:
      return "other";
  }
}
