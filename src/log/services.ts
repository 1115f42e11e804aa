/**
 * The service names a `logs.services` entry may name (behaviour reference §10.1, the 0.9.5
 * list, exhaustive). Since 0.9.5 an unknown name stops startup instead of being ignored, so a
 * typo cannot silently leave a component at the wrong level.
 */
export const LOG_SERVICES = [
  "DB-Driver",
  "acme-server",
  "Async-Acme-Pki-Handler",
  "Async-Acme-Challenges",
  "JWKS",
  "worker",
  "http-server",
  "adcs-native",
  "adcs-cli",
  "license",
  "node",
  "main",
  "audit",
  "fakepki",
] as const;

export type ServiceName = (typeof LOG_SERVICES)[number];

export function isServiceName(name: string): name is ServiceName {
  return (LOG_SERVICES as readonly string[]).includes(name);
}
