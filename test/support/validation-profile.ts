/**
 * The `dns-validation-profiles` section of a test config.yml: every name resolved by a test DNS
 * server, the validator allowed onto loopback, and the challenge ports of the test's responders.
 */
export interface LoopbackValidation {
  /** `host:port` of the DNS server that answers for every name */
  readonly dnsServer: string;
  readonly http01Port: number;
  readonly tlsAlpn01Port?: number;
  /** also allow ::1 (default: 127.0.0.0/8 only) */
  readonly ipv6?: boolean;
}

export function loopbackValidationProfileLines(v: LoopbackValidation): string[] {
  return [
    "dns-validation-profiles:",
    "  - name: default",
    "    zones:",
    "      - suffixes:",
    '          - "."',
    "        dns-server:",
    `          - ${v.dnsServer}`,
    "    resolved-ip-policy:",
    "      allow-cidrs:",
    "        - 127.0.0.0/8",
    ...(v.ipv6 ? ["        - ::1/128"] : []),
    "    ports:",
    `      http-01: ${v.http01Port}`,
    ...(v.tlsAlpn01Port === undefined ? [] : [`      tls-alpn-01: ${v.tlsAlpn01Port}`]),
  ];
}
