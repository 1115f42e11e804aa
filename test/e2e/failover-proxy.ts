/**
 * A loopback load balancer in front of two nodes, as an operator puts one in front of an
 * active node and its standby: it probes each node's `/readyz` over HTTPS every few hundred ms
 * and forwards each new TCP connection to the first node that answered 200 (TLS passes through
 * untouched, so the client talks to the node itself). With no node ready it closes the
 * connection at once: the client sees a connection error and retries.
 */
import { startTcpProxy } from "../support/tcp-proxy.js";
import { httpsGet } from "./https.js";

export interface FailoverProxy {
  readonly port: number;
  /** the backend port new connections go to now, or null */
  readonly target: () => number | null;
  close(): Promise<void>;
}

/** `backendPorts` is read at each probe: the nodes may be created after the proxy (their server.url names it). */
export async function startFailoverProxy(backendPorts: () => readonly number[], caPem: () => Promise<string>, intervalMs = 200): Promise<FailoverProxy> {
  const ready = new Map<number, boolean>();
  let closed = false;
  const probe = async (): Promise<void> => {
    const ca = await caPem();
    await Promise.all(
      backendPorts().map(async (port) => {
        const answer = await httpsGet(`https://localhost:${port}/readyz`, ca, 2_000).catch(() => null);
        ready.set(port, answer?.status === 200);
      }),
    );
  };
  const loop = async (): Promise<void> => {
    while (!closed) {
      await probe().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  };
  const probing = loop();
  const target = (): number | null => backendPorts().find((port) => ready.get(port) === true) ?? null;
  const proxy = await startTcpProxy(target);
  return {
    port: proxy.port,
    target,
    close: async () => {
      closed = true;
      await proxy.close();
      await probing;
    },
  };
}
