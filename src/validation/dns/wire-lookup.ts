/**
 * Lookups through our own DNS client, which reads every record's octets as sent (wire.ts):
 * over TCP only (profile `protocol: tcp`, reference §3.4: "TCP only, no fallback"), or over UDP
 * falling back to TCP when an answer is truncated (the default `protocol: udp`, used for CAA:
 * lookup.ts says why). Servers are tried in order, each with its share of the deadline;
 * SERVFAIL, REFUSED and transport failures move on to the next server, like a stub resolver
 * does. CNAME chains are followed (RFC 1034 §3.6.2): inside one answer, and with a new query
 * when a server returns the alias without its target's records.
 */
import { randomInt } from "node:crypto";
import { Resolver } from "node:dns/promises";
import { abortKind, ValidationAborted, type Deadline } from "../deadline.js";
import { mergeAddressAnswers, type DnsAnswer, type DnsFailure } from "./failure.js";
import type { CaaRecord, DnsLookup } from "./lookup.js";
import { parseDnsServer, type DnsServerAddress } from "./servers.js";
import { exchangeOverTcp } from "./tcp-exchange.js";
import { exchangeOverUdp } from "./udp-exchange.js";
import { decodeResponse, DnsWireError, encodeQuery, RecordType, type DnsRecord, type DnsResponse, type QueryType } from "./wire.js";

const MAX_CNAME_HOPS = 8;

export type WireTransport = "tcp" | "udp";

/** `dnsServers`: the zone's, or none for the system's (resolv.conf). */
export function createWireLookup(dnsServers: readonly string[], transport: WireTransport, deadline: Deadline): DnsLookup {
  const configured = dnsServers.length > 0 ? dnsServers : new Resolver().getServers();
  const servers = configured.map(parseDnsServer).filter((s): s is DnsServerAddress => s !== undefined);
  const records = (name: string, type: QueryType): Promise<DnsAnswer<DnsRecord>> =>
    followCnames(servers, name, type, transport, deadline);
  return {
    async addresses(name) {
      const [a, aaaa] = await Promise.all([records(name, RecordType.A), records(name, RecordType.AAAA)]);
      return mergeAddressAnswers(addressesOf(a), addressesOf(aaaa));
    },
    async txt(name) {
      const answer = await records(name, RecordType.TXT);
      if (!answer.ok) return answer;
      return { ok: true, records: answer.records.flatMap((r) => (r.type === RecordType.TXT ? [r.chunks.join("")] : [])) };
    },
    async caa(name) {
      const answer = await records(name, RecordType.CAA);
      if (!answer.ok) return answer;
      return { ok: true, records: answer.records.flatMap((r): CaaRecord[] => (r.type === RecordType.CAA ? [caaRecordOf(r.flags, r.tag, r.value)] : [])) };
    },
  };
}

/** RFC 8659 §4.1: the issuer critical flag is the octet's high bit; tags compare case-insensitively. */
function caaRecordOf(flags: number, tag: string, value: string): CaaRecord {
  return { critical: (flags & 0x80) !== 0, tag: tag.toLowerCase(), value };
}

function addressesOf(answer: DnsAnswer<DnsRecord>): DnsAnswer<string> {
  if (!answer.ok) return answer;
  return { ok: true, records: answer.records.flatMap((r) => ("address" in r ? [r.address] : [])) };
}

async function followCnames(
  servers: readonly DnsServerAddress[],
  name: string,
  type: QueryType,
  transport: WireTransport,
  deadline: Deadline,
): Promise<DnsAnswer<DnsRecord>> {
  let current = name.toLowerCase().replace(/\.$/, "");
  const left = new Set<string>();
  for (let query = 0; query < MAX_CNAME_HOPS; query++) {
    const response = await askServers(servers, current, type, transport, deadline);
    if (!("answers" in response)) return { ok: false, failure: response.failure };
    // Walk the chain inside this answer: owner → alias → … → records of the asked type.
    let aliased = false;
    for (;;) {
      const owner = current;
      const matching = response.answers.filter((r) => r.name === owner && r.type === type);
      if (matching.length > 0) return { ok: true, records: matching };
      const alias = response.answers.find((r) => r.name === owner && r.type === RecordType.CNAME);
      if (alias === undefined || alias.type !== RecordType.CNAME) break;
      if (alias.target === owner || left.has(alias.target)) return { ok: false, failure: "malformed" };
      left.add(owner);
      current = alias.target;
      aliased = true;
    }
    if (response.rcode === 3) return { ok: false, failure: "nxdomain" };
    if (!aliased) return { ok: false, failure: "nodata" };
    // The server gave the alias without its target's records: ask about the target itself.
  }
  return { ok: false, failure: "malformed" };
}

type ServerVerdict = DnsResponse | { readonly failure: DnsFailure };

async function askServers(
  servers: readonly DnsServerAddress[],
  name: string,
  type: QueryType,
  transport: WireTransport,
  deadline: Deadline,
): Promise<ServerVerdict> {
  let last: ServerVerdict = { failure: "unreachable" };
  for (const [index, server] of servers.entries()) {
    if (deadline.signal.aborted) break;
    last = await askServer(server, name, type, transport, deadline.attempt(servers.length - index));
    if ("answers" in last && last.rcode !== 2 && last.rcode !== 5) return last;
  }
  if (deadline.signal.aborted) return { failure: abortKind(deadline.signal) };
  if ("answers" in last) return { failure: last.rcode === 2 ? "servfail" : "refused" };
  return last;
}

async function askServer(server: DnsServerAddress, name: string, type: QueryType, transport: WireTransport, signal: AbortSignal): Promise<ServerVerdict> {
  const id = randomInt(0, 0x10000);
  const query = encodeQuery(id, name, type);
  try {
    let response = decodeResponse(await (transport === "udp" ? exchangeOverUdp : exchangeOverTcp)(server, query, signal));
    // RFC 1035 §4.2.1, RFC 7766 §5: a truncated UDP answer is asked again over TCP.
    if (transport === "udp" && response.truncated) response = decodeResponse(await exchangeOverTcp(server, query, signal));
    // An answer to another query is not an answer (RFC 5452 §9.1 spirit; over TCP it means a bug).
    if (response.id !== id) return { failure: "malformed" };
    if (response.rcode !== 0 && response.rcode !== 2 && response.rcode !== 3 && response.rcode !== 5) {
      return { failure: "other" };
    }
    return response;
  } catch (error) {
    if (error instanceof ValidationAborted) return { failure: abortKind(signal) };
    if (error instanceof DnsWireError) return { failure: "malformed" };
    return { failure: "unreachable" };
  }
}

