/**
 * `npm run bench:request`: the server's CPU per HTTPS request, with nothing else in the way.
 * `serve` runs on SQLite as in the issuance bench; one keep-alive client registers an account,
 * creates one order, then sends rounds of N POST-as-GETs of that order (a signed request that
 * reads a cached row and appends nothing: the HTTP framework, JWS and the response are most of
 * it) and N `GET /healthz` (no JWS, no nonce: the HTTP stack alone). CPU is the server's, from
 * /proc/<pid>/stat around each round; the first round of each kind is warm-up.
 *
 * Options: --requests N per round (default 3000), --rounds N measured rounds (default 3).
 */
import { Agent, request } from "node:https";
import { generateAccountKey, POST_AS_GET } from "./issuance/account-key.js";
import { openAccount, stringMember } from "./issuance/acme-client.js";
import { startCerteasy } from "./issuance/certeasy-target.js";
import { sampleCpu } from "./issuance/process-cpu.js";
import { startDnsServer } from "../support/dns-server.js";
import { startHttp01Responder } from "../support/challenge-responders.js";

const args = process.argv.slice(2);
const option = (name: string): string | undefined => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const REQUESTS = Number(option("--requests") ?? 3000) || 3000;
const ROUNDS = Number(option("--rounds") ?? 3) || 3;

function get(agent: Agent, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode ?? 0));
    });
    req.once("error", reject);
    req.end();
  });
}

const [dns, responder] = await Promise.all([startDnsServer({ defaultA: "127.0.0.1" }), startHttp01Responder()]);
const target = await startCerteasy({ driver: "sqlite", world: { dnsAddress: dns.address, http01Port: responder.port } });
try {
  const client = await openAccount(target.endpoint, generateAccountKey());
  const created = await client.post(client.newOrderUrl, { identifiers: [{ type: "dns", value: "bench.example" }] });
  const orderUrl = created.location ?? stringMember({}, "Location");
  const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: target.endpoint.caPem });
  const healthUrl = new URL("/healthz", target.endpoint.directoryUrl).href;

  const measure = async (label: string, one: () => Promise<unknown>): Promise<number> => {
    const before = sampleCpu(target.pid).ms;
    const started = performance.now();
    for (let i = 0; i < REQUESTS; i++) await one();
    const cpuUs = ((sampleCpu(target.pid).ms - before) * 1000) / REQUESTS;
    console.log(`${label}: ${REQUESTS} requests in ${(performance.now() - started).toFixed(0)} ms, server CPU ${cpuUs.toFixed(0)} µs/request`);
    return cpuUs;
  };
  const kinds: [string, () => Promise<unknown>][] = [
    ["POST-as-GET order", () => client.post(orderUrl, POST_AS_GET)],
    ["GET /healthz", () => get(agent, healthUrl)],
  ];
  for (const [label, one] of kinds) await measure(`${label} (warm-up)`, one);
  const results = new Map<string, number[]>(kinds.map(([label]) => [label, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, one] of kinds) results.get(label)?.push(await measure(label, one));
  }
  for (const [label, figures] of results) console.log(`${label}: ${figures.map((f) => f.toFixed(0)).join(", ")} µs/request`);
  client.close();
  agent.destroy();
} finally {
  await target.stop();
  await Promise.all([dns.close(), responder.close()]);
}
