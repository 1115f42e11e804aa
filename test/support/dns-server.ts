/**
 * A small authoritative-and-recursive-looking DNS server for tests, on 127.0.0.1, answering over
 * UDP and TCP on the same port (RFC 1035 §4.2). It answers A, AAAA, TXT, CAA and CNAME from tables the
 * test fills, follows its own CNAMEs (like a recursive resolver would, RFC 1034 §3.6.2), says
 * NXDOMAIN for names it knows nothing about, and NOERROR with no answer (NODATA) for a known name
 * without records of the asked type. UDP answers larger than 512 bytes (or the EDNS size the
 * query offers) come back truncated, so resolvers retry over TCP.
 *
 *   const dns = await startDnsServer({ defaultA: "127.0.0.1" }); // every name → 127.0.0.1, like pebble-challtestsrv
 *   dns.setTxt("_acme-challenge.a.test", [digest]);
 *   dns.setCaa("a.test", [{ flags: 0, tag: "issue", value: "pki.example.test" }]);
 *   profile.zones = [{ suffixes: [""], dnsServers: [dns.address], protocol: "udp" }];
 *
 * The wire format is written here from RFC 1035 on purpose, independently of the validator's DNS
 * client, so that a shared mistake cannot make both sides agree.
 */
import { createSocket, type RemoteInfo } from "node:dgram";
import { isIPv4, isIPv6, createServer, type Server, type Socket } from "node:net";

export type TxtValue = string | readonly string[];
/** One CAA record (RFC 8659 §4.1): the flags octet (128 = issuer critical), the tag as sent, the value's octets as latin1 */
export interface CaaValue {
  readonly flags: number;
  readonly tag: string;
  readonly value: string;
}
/** servfail/refused answer with that RCODE; drop never answers (a timeout for the client) */
export type DnsFault = "servfail" | "refused" | "drop";
export type DnsTransport = "udp" | "tcp";

export interface DnsServerOptions {
  /** answer every A query for a name without A records or CNAME with this address */
  readonly defaultA?: string;
  /** the same for AAAA */
  readonly defaultAAAA?: string;
}

export interface LoggedQuery {
  readonly name: string;
  /** "A", "AAAA", "TXT", "CNAME", "CAA", or the numeric type */
  readonly type: string;
  readonly transport: DnsTransport;
}

export interface TestDnsServer {
  readonly port: number;
  /** `127.0.0.1:<port>`: what a profile's `dnsServers` or `Resolver.setServers` takes */
  readonly address: string;
  setA(name: string, addresses: readonly string[]): void;
  setAAAA(name: string, addresses: readonly string[]): void;
  /** each value is one record: a string (split into 255-byte strings) or its strings explicitly */
  setTxt(name: string, values: readonly TxtValue[]): void;
  /** the CAA RRset at exactly `name` (a parent's records are found by the client climbing, RFC 8659 §3) */
  setCaa(name: string, records: readonly CaaValue[]): void;
  setCname(name: string, target: string): void;
  /** make queries for `name` (not names aliased to it) fail */
  setFault(name: string, fault: DnsFault): void;
  /** forget one name's records and faults, or — without a name — everything, the query log included */
  clear(name?: string): void;
  /** every query received, oldest first */
  readonly queries: readonly LoggedQuery[];
  close(): Promise<void>;
}

const TYPE = { A: 1, CNAME: 5, TXT: 16, AAAA: 28, OPT: 41, CAA: 257 } as const;
const TYPE_NAMES: Readonly<Record<number, string>> = { 1: "A", 5: "CNAME", 16: "TXT", 28: "AAAA", 257: "CAA" };
const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;
const CLASSIC_UDP_LIMIT = 512;
const MAX_CNAME_CHAIN = 8;

interface Tables {
  readonly a: Map<string, readonly string[]>;
  readonly aaaa: Map<string, readonly string[]>;
  readonly txt: Map<string, readonly (readonly string[])[]>;
  readonly caa: Map<string, readonly CaaValue[]>;
  readonly cname: Map<string, string>;
  readonly faults: Map<string, DnsFault>;
}

interface Question {
  readonly id: number;
  readonly flags: number;
  readonly name: string;
  readonly type: number;
  /** the raw question section, echoed in the answer */
  readonly question: Buffer;
  readonly udpLimit: number;
}

export async function startDnsServer(options: DnsServerOptions = {}): Promise<TestDnsServer> {
  const tables: Tables = { a: new Map(), aaaa: new Map(), txt: new Map(), caa: new Map(), cname: new Map(), faults: new Map() };
  const queries: LoggedQuery[] = [];
  const answer = (message: Buffer, transport: DnsTransport): Buffer | undefined => {
    const question = parseQuestion(message);
    if (question === undefined) return message.length >= 2 ? header(message.readUInt16BE(0), 0, RCODE.FORMERR, 0, 0) : undefined;
    queries.push({ name: question.name, type: TYPE_NAMES[question.type] ?? String(question.type), transport });
    return respond(question, tables, options, transport);
  };

  const { udp, tcp, port } = await bindBoth(answer);
  const name = (text: string): string => text.toLowerCase().replace(/\.$/, "");
  return {
    port,
    address: `127.0.0.1:${port}`,
    setA: (host, addresses) => void tables.a.set(name(host), addresses.map((a) => requireIp(a, 4))),
    setAAAA: (host, addresses) => void tables.aaaa.set(name(host), addresses.map((a) => requireIp(a, 6))),
    setTxt: (host, values) => void tables.txt.set(name(host), values.map(toStrings)),
    setCaa: (host, records) => void tables.caa.set(name(host), records),
    setCname: (host, target) => void tables.cname.set(name(host), name(target)),
    setFault: (host, fault) => void tables.faults.set(name(host), fault),
    clear(host) {
      if (host === undefined) queries.length = 0;
      for (const table of Object.values(tables) as Map<string, unknown>[]) {
        if (host === undefined) table.clear();
        else table.delete(name(host));
      }
    },
    queries,
    close: () =>
      new Promise((resolve) => {
        udp.close();
        tcp.server.close(() => resolve());
        for (const socket of tcp.sockets) socket.destroy();
      }),
  };
}

function respond(question: Question, tables: Tables, options: DnsServerOptions, transport: DnsTransport): Buffer | undefined {
  const fault = tables.faults.get(question.name);
  if (fault === "drop") return undefined;
  const recursionDesired = question.flags & 0x0100;
  if (fault !== undefined) {
    const rcode = fault === "servfail" ? RCODE.SERVFAIL : RCODE.REFUSED;
    return Buffer.concat([header(question.id, recursionDesired, rcode, 0), question.question]);
  }
  if ((question.flags & 0x7800) !== 0) return Buffer.concat([header(question.id, recursionDesired, RCODE.NOTIMP, 0), question.question]);

  const records: Buffer[] = [];
  let current = question.name;
  for (let hop = 0; hop < MAX_CNAME_CHAIN; hop++) {
    const target = tables.cname.get(current);
    if (target === undefined || question.type === TYPE.CNAME) break;
    records.push(record(current, TYPE.CNAME, encodeName(target)));
    current = target;
  }
  if (question.type === TYPE.CNAME) {
    const target = tables.cname.get(current);
    if (target !== undefined) records.push(record(current, TYPE.CNAME, encodeName(target)));
  }
  const a = tables.a.get(current) ?? (options.defaultA !== undefined && !tables.cname.has(current) ? [options.defaultA] : undefined);
  const aaaa = tables.aaaa.get(current) ?? (options.defaultAAAA !== undefined && !tables.cname.has(current) ? [options.defaultAAAA] : undefined);
  if (question.type === TYPE.A) for (const ip of a ?? []) records.push(record(current, TYPE.A, ipBytes(ip)));
  if (question.type === TYPE.AAAA) for (const ip of aaaa ?? []) records.push(record(current, TYPE.AAAA, ipBytes(ip)));
  if (question.type === TYPE.TXT) for (const strings of tables.txt.get(current) ?? []) records.push(record(current, TYPE.TXT, txtData(strings)));
  if (question.type === TYPE.CAA) for (const caa of tables.caa.get(current) ?? []) records.push(record(current, TYPE.CAA, caaData(caa)));

  const known =
    a !== undefined ||
    aaaa !== undefined ||
    tables.txt.has(current) ||
    tables.caa.has(current) ||
    tables.cname.has(current) ||
    hasChildren(tables, current);
  const rcode = known ? RCODE.NOERROR : RCODE.NXDOMAIN;
  const full = Buffer.concat([header(question.id, recursionDesired, rcode, records.length), question.question, ...records]);
  if (transport === "udp" && full.length > question.udpLimit) {
    // RFC 1035 §4.2.1 / RFC 2181 §9: too big for UDP, set TC and let the client ask over TCP.
    return Buffer.concat([header(question.id, recursionDesired | 0x0200, rcode, 0), question.question]);
  }
  return full;
}

/** An empty non-terminal (a name with names below it) exists: NODATA, not NXDOMAIN (RFC 8020). */
function hasChildren(tables: Tables, name: string): boolean {
  const suffix = `.${name}`;
  return [tables.a, tables.aaaa, tables.txt, tables.caa, tables.cname].some((table) => [...table.keys()].some((key) => key.endsWith(suffix)));
}

/** QR=1, AA=1, RA=1, the client's RD (plus TC when given). */
function header(id: number, flags: number, rcode: number, answers: number, questions = 1): Buffer {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt16BE(id, 0);
  bytes.writeUInt16BE(0x8000 | 0x0400 | 0x0080 | flags | rcode, 2);
  bytes.writeUInt16BE(questions, 4);
  bytes.writeUInt16BE(answers, 6);
  return bytes;
}

function record(owner: string, type: number, data: Buffer): Buffer {
  const fixed = Buffer.alloc(10);
  fixed.writeUInt16BE(type, 0);
  fixed.writeUInt16BE(1, 2); // class IN
  fixed.writeUInt32BE(0, 4); // TTL 0: nothing cached between test steps
  fixed.writeUInt16BE(data.length, 8);
  return Buffer.concat([encodeName(owner), fixed, data]);
}

function encodeName(name: string): Buffer {
  const parts = name === "" ? [] : name.split(".");
  return Buffer.concat([...parts.map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label, "ascii")])), Buffer.from([0])]);
}

function txtData(strings: readonly string[]): Buffer {
  return Buffer.concat(strings.map((s) => Buffer.concat([Buffer.from([Buffer.byteLength(s)]), Buffer.from(s)])));
}

/** RFC 8659 §4.1: flags octet, tag length, tag, then the value up to the end of the RDATA. */
function caaData(caa: CaaValue): Buffer {
  const tag = Buffer.from(caa.tag, "latin1");
  return Buffer.concat([Buffer.from([caa.flags, tag.length]), tag, Buffer.from(caa.value, "latin1")]);
}

function toStrings(value: TxtValue): readonly string[] {
  if (typeof value !== "string") return value;
  const bytes = Buffer.from(value);
  const strings: string[] = [];
  for (let at = 0; at < bytes.length; at += 255) strings.push(bytes.subarray(at, at + 255).toString());
  return strings.length > 0 ? strings : [""];
}

function parseQuestion(message: Buffer): Question | undefined {
  if (message.length < 12 || message.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    const length = message[at];
    if (length === undefined || length > 63) return undefined; // no compression in a question
    at += 1;
    if (length === 0) break;
    if (at + length > message.length) return undefined;
    labels.push(message.subarray(at, at + length).toString("latin1").toLowerCase());
    at += length;
  }
  if (at + 4 > message.length) return undefined;
  const type = message.readUInt16BE(at);
  const question = message.subarray(12, at + 4);
  return { id: message.readUInt16BE(0), flags: message.readUInt16BE(2), name: labels.join("."), type, question, udpLimit: udpLimit(message, at + 4) };
}

/** RFC 6891 §6.2.3: an OPT record in the additional section offers a larger UDP payload. */
function udpLimit(message: Buffer, afterQuestion: number): number {
  const additional = message.readUInt16BE(10);
  if (additional === 0 || message.readUInt16BE(6) !== 0 || message.readUInt16BE(8) !== 0) return CLASSIC_UDP_LIMIT;
  if (message[afterQuestion] !== 0 || afterQuestion + 5 > message.length) return CLASSIC_UDP_LIMIT;
  if (message.readUInt16BE(afterQuestion + 1) !== TYPE.OPT) return CLASSIC_UDP_LIMIT;
  return Math.max(CLASSIC_UDP_LIMIT, message.readUInt16BE(afterQuestion + 3));
}

function requireIp(text: string, family: 4 | 6): string {
  if (family === 4 ? !isIPv4(text) : !isIPv6(text)) throw new TypeError(`${text} is not an IPv${family} address`);
  return text;
}

function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split(".").map(Number));
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (v4 !== undefined) {
    const [a = 0, b = 0, c = 0, d = 0] = v4.split(".").map(Number);
    text = text.slice(0, -v4.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailGroups.length).fill("0"), ...tailGroups];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), 2 * i));
  return bytes;
}

type Answerer = (message: Buffer, transport: DnsTransport) => Buffer | undefined;

async function bindBoth(answer: Answerer): Promise<{ udp: ReturnType<typeof createSocket>; tcp: { server: Server; sockets: Set<Socket> }; port: number }> {
  // UDP picks a free port, TCP takes the same one; on the rare clash, try again.
  for (let attempt = 0; ; attempt++) {
    const udp = createSocket("udp4");
    udp.on("message", (message: Buffer, from: RemoteInfo) => {
      const reply = answer(message, "udp");
      if (reply !== undefined) udp.send(reply, from.port, from.address);
    });
    const port = await new Promise<number>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(0, "127.0.0.1", () => resolve(udp.address().port));
    });
    // A reply to a client that went away must not take the test process down.
    udp.on("error", () => undefined);
    try {
      return { udp, tcp: await listenTcp(port, answer), port };
    } catch (error) {
      udp.close();
      if (attempt >= 10) throw error;
    }
  }
}

function listenTcp(port: number, answer: Answerer): Promise<{ server: Server; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      // RFC 1035 §4.2.2: each message is prefixed with its two-byte length.
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const message = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + message.length);
        const reply = answer(message, "tcp");
        if (reply === undefined) continue;
        const length = Buffer.alloc(2);
        length.writeUInt16BE(reply.length, 0);
        socket.write(Buffer.concat([length, reply]));
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve({ server, sockets });
    });
  });
}
