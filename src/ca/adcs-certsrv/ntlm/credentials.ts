/**
 * How a configured `username` becomes NTLM's user and domain (MS-NLMP §3.1.5.1.2):
 * `CORP\svc-acme` is user `svc-acme` in domain `CORP`; a UPN `svc-acme@corp.example` goes as
 * the user name with an empty domain, which Windows accepts and resolves itself.
 */
import type { NtlmCredentials } from "./messages.js";

export function ntlmCredentials(username: string, password: string): NtlmCredentials {
  const separator = username.indexOf("\\");
  if (separator < 0) return { user: username, domain: "", password };
  return { user: username.slice(separator + 1), domain: username.slice(0, separator), password };
}
