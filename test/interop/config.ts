/**
 * The config.yml of an interop server: the embedded CA on SQLite, and one validation profile
 * that sends every name to pebble-challtestsrv's DNS and lets the validator reach loopback,
 * where the clients' standalone responders listen on the run's own ports.
 */
import { loopbackValidationProfileLines } from "../support/validation-profile.js";
import type { InteropPorts } from "./ports.js";

export interface InteropConfig {
  readonly workdir: string;
  readonly ports: InteropPorts;
  /** RFC 8555 §7.3.4: `required` makes newAccount demand an External Account Binding */
  readonly externalAccountBinding: "optional" | "required";
}

/** JSON strings are valid YAML double-quoted scalars: no escaping rules of our own. */
const q = (value: string): string => JSON.stringify(value);

export function interopConfigYaml({ workdir, ports, externalAccountBinding }: InteropConfig): string {
  return [
    `workdir: ${q(workdir)}`,
    "server:",
    "  url:",
    `    - https://localhost:${ports.acme}/`,
    `  listen: 127.0.0.1:${ports.acme}`,
    "logs:",
    "  level: info",
    "acme:",
    `  external-account-binding: ${externalAccountBinding}`,
    // Every client runs from loopback; the per-address limits would count them as one client.
    "rate-limiting:",
    "  whitelist:",
    "    - 127.0.0.1",
    "    - ::1",
    ...loopbackValidationProfileLines({
      dnsServer: `127.0.0.1:${ports.dns}`,
      http01Port: ports.http01,
      tlsAlpn01Port: ports.tlsAlpn01,
      ipv6: true,
    }),
    "",
  ].join("\n");
}
