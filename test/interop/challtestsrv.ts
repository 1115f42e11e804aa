/**
 * pebble-challtestsrv as the run's DNS server: every A query under it answers 127.0.0.1 (names
 * under .test, RFC 2606, never leave the machine), no AAAA answer (the clients' responders
 * listen on IPv4 only), and TXT records for dns-01 are set through its management API by
 * lego-dns-hook.mjs.
 */
import { request } from "node:http";
import { RunningProgram, clientEnv } from "./processes.js";

export interface DnsServer {
  /** `host:port` of the DNS listener (UDP and TCP) */
  readonly resolver: string;
  /** base URL of the management API, for lego's exec hook */
  readonly managementUrl: string;
  stop(): Promise<void>;
  output(): string;
}

function post(url: string, body: unknown): Promise<number> {
  return new Promise((resolvePost, reject) => {
    const req = request(url, { method: "POST", timeout: 5000, headers: { "content-type": "application/json" } });
    req.once("timeout", () => req.destroy(new Error(`POST ${url}: no answer within 5 s`)));
    req.once("error", reject);
    req.once("response", (res) => {
      res.resume();
      res.once("end", () => resolvePost(res.statusCode ?? 0));
    });
    req.end(JSON.stringify(body));
  });
}

export async function startDnsServer(dnsPort: number, managementPort: number): Promise<DnsServer> {
  const managementUrl = `http://127.0.0.1:${managementPort}`;
  const program = new RunningProgram(
    "pebble-challtestsrv",
    [
      "-defaultIPv4", "127.0.0.1",
      "-defaultIPv6", "",
      "-dns01", `127.0.0.1:${dnsPort}`,
      "-http01", "",
      "-https01", "",
      "-tlsalpn01", "",
      "-management", `127.0.0.1:${managementPort}`,
    ],
    { env: clientEnv() },
  );
  const output = (): string => program.stdout + program.stderr;
  // Ready when the management API answers; the DNS listener is started before it.
  const deadline = performance.now() + 15_000;
  for (;;) {
    if (program.hasExited) throw new Error(`pebble-challtestsrv exited at start:\n${output()}`);
    const status = await post(`${managementUrl}/clear-txt`, { host: "ready.test." }).catch(() => 0);
    if (status === 200) break;
    if (performance.now() > deadline) {
      await program.stop(1000);
      throw new Error(`pebble-challtestsrv did not answer on ${managementUrl} within 15 s:\n${output()}`);
    }
    await new Promise((resolveDelay) => setTimeout(resolveDelay, 100));
  }
  return {
    resolver: `127.0.0.1:${dnsPort}`,
    managementUrl,
    output,
    stop: async () => void (await program.stop(5000)),
  };
}
