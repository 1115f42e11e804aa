/**
 * The three NTLM messages as HTTP carries them (`Authorization: NTLM <base64>`, MS-NTHT):
 *
 *   client → NEGOTIATE (§2.2.1.1) → server → CHALLENGE (§2.2.1.2) → client → AUTHENTICATE (§2.2.1.3)
 *
 * We ask only for what HTTP needs: Unicode, NTLM with extended session security, and the
 * target information that NTLMv2 requires. No signing, sealing or key exchange — HTTP uses
 * none of them, and without KEY_EXCH no RC4 is needed (OpenSSL 3 dropped it too). The
 * AUTHENTICATE message always has the Version and MIC fields (§2.2.1.3: present, zero when
 * unused), so the MIC sits at its fixed offset 72.
 */
import { randomBytes } from "node:crypto";
import { AV, AV_FLAG_MIC_PRESENT, type AvPair, NtlmFormatError, readAvPairs, writeAvPairs } from "./av-pairs.js";
import { messageIntegrityCode, ntlmv2Response, ntowfv2, utf16le } from "./ntlmv2.js";

const SIGNATURE = Buffer.from("NTLMSSP\0", "latin1");

export const FLAG = {
  UNICODE: 0x00000001,
  REQUEST_TARGET: 0x00000004,
  NTLM: 0x00000200,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  KEY_EXCH: 0x40000000,
  N128: 0x20000000,
  N56: 0x80000000,
} as const;

export const NEGOTIATE_FLAGS =
  (FLAG.UNICODE | FLAG.REQUEST_TARGET | FLAG.NTLM | FLAG.ALWAYS_SIGN | FLAG.EXTENDED_SESSIONSECURITY | FLAG.N128 | FLAG.N56) >>> 0;

/** Offset of the MIC in an AUTHENTICATE message: 64 bytes of fields, 8 of Version. */
export const MIC_OFFSET = 72;
const AUTHENTICATE_HEADER = MIC_OFFSET + 16;

export function negotiateMessage(): Uint8Array {
  // Signature, type 1, flags, empty domain and workstation fields (offset 40), zero Version.
  const message = Buffer.alloc(40);
  SIGNATURE.copy(message, 0);
  message.writeUInt32LE(1, 8);
  message.writeUInt32LE(NEGOTIATE_FLAGS, 12);
  message.writeUInt32LE(40, 20);
  message.writeUInt32LE(40, 28);
  return new Uint8Array(message);
}

export interface ChallengeMessage {
  readonly flags: number;
  readonly serverChallenge: Uint8Array;
  readonly targetInfo: readonly AvPair[];
  /** the message as received: the MIC covers it */
  readonly raw: Uint8Array;
}

/** Reads a CHALLENGE message; throws NtlmFormatError on anything else. */
export function readChallengeMessage(raw: Uint8Array): ChallengeMessage {
  const message = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (message.length < 48 || !message.subarray(0, 8).equals(SIGNATURE) || message.readUInt32LE(8) !== 2) {
    throw new NtlmFormatError("the server's NTLM token is not a CHALLENGE message");
  }
  const flags = message.readUInt32LE(20);
  // Our strings are UTF-16LE; a server that only speaks OEM code pages would misread the user name.
  if ((flags & FLAG.UNICODE) === 0) throw new NtlmFormatError("the server's CHALLENGE does not accept Unicode");
  if ((flags & FLAG.TARGET_INFO) === 0) throw new NtlmFormatError("the server's CHALLENGE carries no target information, which NTLMv2 needs");
  const targetInfo = readAvPairs(field(message, 40));
  return { flags, serverChallenge: new Uint8Array(message.subarray(24, 32)), targetInfo, raw: new Uint8Array(raw) };
}

/** A security buffer (length, max length, offset) at `at`, bounds-checked. */
export function field(message: Buffer, at: number): Uint8Array {
  const length = message.readUInt16LE(at);
  const offset = message.readUInt32LE(at + 4);
  if (offset + length > message.length) throw new NtlmFormatError(`an NTLM field at ${at} points past the end of the message`);
  return new Uint8Array(message.subarray(offset, offset + length));
}

export interface NtlmCredentials {
  readonly user: string;
  /** the NetBIOS or DNS domain; empty for a user@domain name */
  readonly domain: string;
  readonly password: string;
}

export interface AuthenticateOptions {
  /** MsvAvChannelBindings of the TLS connection, when known */
  readonly channelBindings?: Uint8Array | undefined;
  /** tests pin these to the MS-NLMP §4.2.4 example values */
  readonly clientChallenge?: Uint8Array;
  readonly now?: () => Date;
}

// FILETIME: 100 ns ticks since 1601-01-01.
const FILETIME_EPOCH_OFFSET_MS = 11_644_473_600_000n;
function fileTime(date: Date): Uint8Array {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE((BigInt(date.getTime()) + FILETIME_EPOCH_OFFSET_MS) * 10_000n);
  return new Uint8Array(out);
}

/**
 * The AUTHENTICATE message answering `challenge` (§3.1.5.1.2). When the server sent a
 * timestamp, NTLMv2 uses it, the LMv2 response is all zeros and a MIC is added (flagged in
 * MsvAvFlags), as Windows clients do.
 */
export function authenticateMessage(negotiate: Uint8Array, challenge: ChallengeMessage, credentials: NtlmCredentials, options: AuthenticateOptions = {}): Uint8Array {
  const serverTime = challenge.targetInfo.find((pair) => pair.id === AV.TIMESTAMP)?.value;
  const clientPairs: AvPair[] = challenge.targetInfo.filter((pair) => pair.id !== AV.FLAGS && pair.id !== AV.CHANNEL_BINDINGS);
  const serverFlags = challenge.targetInfo.find((pair) => pair.id === AV.FLAGS)?.value;
  let avFlags = serverFlags !== undefined && serverFlags.length === 4 ? Buffer.from(serverFlags).readUInt32LE(0) : 0;
  if (serverTime !== undefined) avFlags |= AV_FLAG_MIC_PRESENT;
  if (avFlags !== 0) clientPairs.push({ id: AV.FLAGS, value: uint32(avFlags) });
  if (options.channelBindings !== undefined) clientPairs.push({ id: AV.CHANNEL_BINDINGS, value: options.channelBindings });

  const response = ntlmv2Response({
    responseKey: ntowfv2(credentials.password, credentials.user, credentials.domain),
    serverChallenge: challenge.serverChallenge,
    clientChallenge: options.clientChallenge ?? new Uint8Array(randomBytes(8)),
    timestamp: serverTime ?? fileTime((options.now ?? (() => new Date()))()),
    targetInfo: writeAvPairs(clientPairs),
  });
  const lm = serverTime === undefined ? response.lmChallengeResponse : new Uint8Array(24);
  const payloads = [lm, response.ntChallengeResponse, utf16le(credentials.domain), utf16le(credentials.user), new Uint8Array(0), new Uint8Array(0)];

  const message = Buffer.alloc(AUTHENTICATE_HEADER + payloads.reduce((sum, p) => sum + p.length, 0));
  SIGNATURE.copy(message, 0);
  message.writeUInt32LE(3, 8);
  let offset = AUTHENTICATE_HEADER;
  // LM, NT, domain, user, workstation, encrypted random session key: fields at 12, 20, … 52.
  payloads.forEach((payload, index) => {
    const at = 12 + index * 8;
    message.writeUInt16LE(payload.length, at);
    message.writeUInt16LE(payload.length, at + 2);
    message.writeUInt32LE(offset, at + 4);
    message.set(payload, offset);
    offset += payload.length;
  });
  // The flags both sides agreed on: ours, as far as the server granted them.
  message.writeUInt32LE((NEGOTIATE_FLAGS & challenge.flags) >>> 0, 60);
  if (serverTime !== undefined) {
    message.set(messageIntegrityCode(response.sessionBaseKey, negotiate, challenge.raw, message), MIC_OFFSET);
  }
  return new Uint8Array(message);
}

const uint32 = (value: number): Uint8Array => {
  const out = Buffer.alloc(4);
  out.writeUInt32LE(value >>> 0);
  return new Uint8Array(out);
};
