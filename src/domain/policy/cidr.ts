/**
 * Is an IP address inside a CIDR? For `ip` identifiers (RFC 8738) against a policy's `ip.allow`.
 * Pure arithmetic on the address bits, so the decision needs no socket machinery.
 *
 * Families are not mixed: an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is an IPv6 identifier
 * and only an IPv6 CIDR can allow it. That errs towards refusing, never towards a certificate
 * for an address range the policy did not list.
 */
import { isIP } from "node:net";
import type { Cidr } from "../../config/network.js";

interface Address {
  readonly family: "ipv4" | "ipv6";
  readonly bits: number;
  readonly value: bigint;
}

export function cidrContains(cidr: Cidr, address: string): boolean {
  const ip = parseAddress(address);
  const network = parseAddress(cidr.address);
  if (ip === null || network === null || ip.family !== network.family || ip.family !== cidr.family) return false;
  if (!Number.isInteger(cidr.prefixLength) || cidr.prefixLength < 0 || cidr.prefixLength > ip.bits) return false;
  const hostBits = BigInt(ip.bits - cidr.prefixLength);
  return ip.value >> hostBits === network.value >> hostBits;
}

function parseAddress(text: string): Address | null {
  // A zone index (fe80::1%eth0) names an interface of one host, not an address to certify.
  if (text.includes("%")) return null;
  const version = isIP(text);
  if (version === 4) return { family: "ipv4", bits: 32, value: ipv4Value(text) };
  if (version === 6) {
    const value = ipv6Value(text);
    return value === null ? null : { family: "ipv6", bits: 128, value };
  }
  return null;
}

function ipv4Value(text: string): bigint {
  return text.split(".").reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

/** RFC 4291 §2.2 text forms: hex groups, one `::`, and an IPv4 tail (`::ffff:192.0.2.1`). */
function ipv6Value(text: string): bigint | null {
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (half: string | undefined): number[] | null => {
    if (half === undefined || half === "") return [];
    const out: number[] = [];
    for (const part of half.split(":")) {
      if (part.includes(".")) {
        if (isIP(part) !== 4) return null;
        const v4 = Number(ipv4Value(part));
        out.push(Math.floor(v4 / 0x10000), v4 % 0x10000);
      } else {
        out.push(Number.parseInt(part, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<number>(halves.length === 1 ? 0 : missing).fill(0), ...tail];
  return all.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}
