/**
 * One DNS exchange over UDP against a scripted loopback server: only the answer to the query sent
 * ends it, a lost datagram is sent again, and the deadline cuts it short.
 */
import { createSocket, type Socket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { Deadline, ValidationAborted } from "../../src/validation/deadline.js";
import { exchangeOverUdp, UDP_RESEND_MS } from "../../src/validation/dns/udp-exchange.js";
import { encodeQuery, RecordType } from "../../src/validation/dns/wire.js";

const QUERY_ID = 0x4242;
const query = encodeQuery(QUERY_ID, "caa.test", RecordType.CAA);
/** A reply as a server would send it: the query's bytes with the response bit set and `id`. */
const replyWithId = (id: number): Buffer => {
  const reply = Buffer.from(query);
  reply.writeUInt16BE(id, 0);
  reply.writeUInt16BE(reply.readUInt16BE(2) | 0x8000, 2);
  return reply;
};

let sockets: Socket[] = [];
afterEach(() => {
  for (const socket of sockets) socket.close();
  sockets = [];
});

/**
 * A server that calls `onQuery` with each datagram's number (1, 2…) and a way to answer it — from
 * the server's own port, or (`fromElsewhere`) from another socket on the same address.
 */
async function scriptedServer(onQuery: (n: number, reply: (message: Buffer, fromElsewhere?: boolean) => void) => void): Promise<number> {
  const server = createSocket("udp4");
  const elsewhere = createSocket("udp4");
  sockets.push(server, elsewhere);
  let n = 0;
  server.on("message", (_message, from) => {
    n += 1;
    onQuery(n, (message, fromElsewhere = false) => (fromElsewhere ? elsewhere : server).send(message, from.port, from.address));
  });
  await Promise.all([server, elsewhere].map((socket) => new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve))));
  return server.address().port;
}

describe("a DNS exchange over UDP", () => {
  it("takes only the answer with the query's id from the server asked, ignoring the rest", async () => {
    const port = await scriptedServer((_n, reply) => {
      reply(replyWithId(QUERY_ID ^ 1));
      reply(replyWithId(QUERY_ID), true);
      setTimeout(() => reply(replyWithId(QUERY_ID)), 20);
    });
    const answer = Buffer.from(await exchangeOverUdp({ host: "127.0.0.1", port }, query, Deadline.start(2_000).signal));
    expect(answer.readUInt16BE(0)).toBe(QUERY_ID);
    expect(answer.equals(replyWithId(QUERY_ID))).toBe(true);
  });

  it("sends the query again when no answer came, and takes the answer to the second", async () => {
    const seen: number[] = [];
    const port = await scriptedServer((n, reply) => {
      seen.push(n);
      if (n >= 2) reply(replyWithId(QUERY_ID));
    });
    const started = performance.now();
    await exchangeOverUdp({ host: "127.0.0.1", port }, query, Deadline.start(5_000).signal);
    expect(performance.now() - started).toBeGreaterThanOrEqual(UDP_RESEND_MS - 50);
    expect(seen).toEqual([1, 2]);
  });

  it("gives up at the deadline when the server never answers", async () => {
    const port = await scriptedServer(() => undefined);
    await expect(exchangeOverUdp({ host: "127.0.0.1", port }, query, Deadline.start(200).signal)).rejects.toBeInstanceOf(ValidationAborted);
  });
});
