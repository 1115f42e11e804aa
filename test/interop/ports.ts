/**
 * Loopback ports for the run: the server, the DNS server and its management API, and the two
 * ports the validator dials for http-01 and tls-alpn-01 (where the clients' standalone
 * responders listen).
 */
import { freePort } from "../e2e/harness.js";

export interface InteropPorts {
  readonly acme: number;
  readonly http01: number;
  readonly tlsAlpn01: number;
  readonly dns: number;
  readonly dnsManagement: number;
}

/** Free ports, all different: each is bound and released, so two draws may repeat a number. */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

export async function allocatePorts(): Promise<InteropPorts> {
  const [acme, http01, tlsAlpn01, dns, dnsManagement] = (await distinctFreePorts(5)) as [number, number, number, number, number];
  return { acme, http01, tlsAlpn01, dns, dnsManagement };
}

/** The same ports with a new one for the server (a stopped server's port may be in TIME_WAIT). */
export async function withNewAcmePort(ports: InteropPorts): Promise<InteropPorts> {
  const taken = new Set(Object.values(ports));
  for (;;) {
    const acme = await freePort();
    if (!taken.has(acme)) return { ...ports, acme };
  }
}
