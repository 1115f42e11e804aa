/**
 * The server side of NTLM for the fake certsrv: issues a CHALLENGE, then checks the
 * AUTHENTICATE the way a domain controller would (MS-NLMP §3.2.5.1.2) — recompute NTProofStr
 * from the password it knows, check the MIC when the client flags one, compare channel bindings
 * with its own TLS certificate. A wrong password, a tampered message or an answer for another
 * server's challenge fails.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { AV, AV_FLAG_MIC_PRESENT, type AvPair, readAvPairs, writeAvPairs } from "../../../src/ca/adcs-certsrv/ntlm/av-pairs.js";
import { FLAG, MIC_OFFSET, field } from "../../../src/ca/adcs-certsrv/ntlm/messages.js";
import { hmacMd5, messageIntegrityCode, ntProof, ntowfv2, utf16le } from "../../../src/ca/adcs-certsrv/ntlm/ntlmv2.js";

export interface AcceptorSettings {
  /** user name (case-insensitive, as Windows) → password */
  readonly passwords: ReadonlyMap<string, string>;
  /** the expected MsvAvChannelBindings (from the server's own certificate) */
  readonly channelBindings: Uint8Array;
  /** refuse an AUTHENTICATE without matching channel bindings (EPA "Required") */
  readonly requireChannelBindings: boolean;
}

export interface PendingChallenge {
  readonly negotiate: Uint8Array;
  readonly challenge: Uint8Array;
  readonly serverChallenge: Uint8Array;
}

export type AcceptOutcome = { readonly ok: true; readonly user: string; readonly domain: string; readonly channelBound: boolean } | { readonly ok: false; readonly why: string };

const SIGNATURE = Buffer.from("NTLMSSP\0", "latin1");

export function messageType(message: Uint8Array): number | undefined {
  const bytes = Buffer.from(message);
  return bytes.length >= 12 && bytes.subarray(0, 8).equals(SIGNATURE) ? bytes.readUInt32LE(8) : undefined;
}

export function challengeFor(negotiate: Uint8Array, now: Date): PendingChallenge {
  const serverChallenge = new Uint8Array(randomBytes(8));
  const time = Buffer.alloc(8);
  time.writeBigUInt64LE((BigInt(now.getTime()) + 11_644_473_600_000n) * 10_000n);
  const pairs: AvPair[] = [
    { id: AV.NB_DOMAIN_NAME, value: utf16le("CORP") },
    { id: AV.NB_COMPUTER_NAME, value: utf16le("CA01") },
    { id: AV.DNS_DOMAIN_NAME, value: utf16le("corp.example") },
    { id: AV.DNS_COMPUTER_NAME, value: utf16le("ca01.corp.example") },
    { id: AV.TIMESTAMP, value: new Uint8Array(time) },
  ];
  const targetName = utf16le("CORP");
  const targetInfo = writeAvPairs(pairs);
  const message = Buffer.alloc(56 + targetName.length + targetInfo.length);
  SIGNATURE.copy(message, 0);
  message.writeUInt32LE(2, 8);
  message.writeUInt16LE(targetName.length, 12);
  message.writeUInt16LE(targetName.length, 14);
  message.writeUInt32LE(56, 16);
  const flags = FLAG.UNICODE | FLAG.REQUEST_TARGET | FLAG.NTLM | FLAG.ALWAYS_SIGN | FLAG.EXTENDED_SESSIONSECURITY | FLAG.TARGET_INFO | FLAG.N128 | FLAG.N56;
  message.writeUInt32LE(flags >>> 0, 20);
  message.set(serverChallenge, 24);
  message.writeUInt16LE(targetInfo.length, 40);
  message.writeUInt16LE(targetInfo.length, 42);
  message.writeUInt32LE(56 + targetName.length, 44);
  message.set(targetName, 56);
  message.set(targetInfo, 56 + targetName.length);
  return { negotiate, challenge: new Uint8Array(message), serverChallenge };
}

export function acceptAuthenticate(settings: AcceptorSettings, pending: PendingChallenge, authenticate: Uint8Array): AcceptOutcome {
  try {
    const message = Buffer.from(authenticate);
    if (messageType(message) !== 3 || message.length < MIC_OFFSET + 16) return { ok: false, why: "not an AUTHENTICATE message" };
    const nt = field(message, 20);
    const domain = Buffer.from(field(message, 28)).toString("utf16le");
    const user = Buffer.from(field(message, 36)).toString("utf16le");
    const password = [...settings.passwords].find(([name]) => name.toLowerCase() === user.toLowerCase())?.[1];
    if (password === undefined) return { ok: false, why: `unknown user ${user}` };
    if (nt.length < 16 + 28) return { ok: false, why: "not an NTLMv2 response" };
    const proof = nt.subarray(0, 16);
    const temp = nt.subarray(16);
    const key = ntowfv2(password, user, domain);
    if (!timingSafeEqual(ntProof(key, pending.serverChallenge, temp), proof)) return { ok: false, why: "NTProofStr does not match: wrong password" };
    // temp: 1.1, six zeros, time (8), client challenge (8), four zeros, then the AV pairs.
    const pairs = readAvPairs(temp.subarray(28));
    const flagsPair = pairs.find((pair) => pair.id === AV.FLAGS)?.value;
    const avFlags = flagsPair === undefined ? 0 : Buffer.from(flagsPair).readUInt32LE(0);
    if ((avFlags & AV_FLAG_MIC_PRESENT) !== 0) {
      const zeroed = Buffer.from(message);
      zeroed.fill(0, MIC_OFFSET, MIC_OFFSET + 16);
      const expected = messageIntegrityCode(hmacMd5(key, proof), pending.negotiate, pending.challenge, zeroed);
      if (!timingSafeEqual(expected, message.subarray(MIC_OFFSET, MIC_OFFSET + 16))) return { ok: false, why: "the MIC does not match" };
    }
    const bindings = pairs.find((pair) => pair.id === AV.CHANNEL_BINDINGS)?.value;
    const channelBound = bindings !== undefined && Buffer.from(bindings).equals(Buffer.from(settings.channelBindings));
    if (bindings !== undefined && !channelBound) return { ok: false, why: "channel bindings are for another TLS certificate" };
    if (settings.requireChannelBindings && !channelBound) return { ok: false, why: "channel bindings required" };
    return { ok: true, user, domain, channelBound };
  } catch (err) {
    return { ok: false, why: `malformed AUTHENTICATE: ${(err as Error).message}` };
  }
}
