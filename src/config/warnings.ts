/**
 * Disabled or weakened security controls, one line each, printed at startup (behaviour
 * reference §4.1 and §10.1, since 0.9.4). A configuration can be valid and still leave a
 * control off; the operator should see that every time the server starts.
 */
import type { CerteasyConfig } from "./types.js";

export function configWarnings(config: CerteasyConfig): string[] {
  const warnings: string[] = [];
  const { audit, logs, server } = config;

  if (!audit.enabled) {
    warnings.push("audit.enabled is false: events are not mirrored to the tamper-evident audit file");
  }
  if (logs.level === "off") {
    warnings.push("logs.level is off: nothing is logged except services given their own level in logs.services");
  }
  if (server.remoteIpHeader !== null && server.trustedProxies.length === 0) {
    warnings.push(
      `server.remote-ip-header is ${server.remoteIpHeader} but server.trusted-proxies is empty: the header is ignored and clients are known by the connecting address`,
    );
  }
  for (const proxy of server.trustedProxies) {
    if (proxy.prefixLength === 0) {
      warnings.push(
        `server.trusted-proxies contains ${proxy.address}/0: every ${proxy.family === "ipv4" ? "IPv4" : "IPv6"} client can forge its address in ${server.remoteIpHeader ?? "the remote IP header"}`,
      );
    }
  }
  return warnings;
}
