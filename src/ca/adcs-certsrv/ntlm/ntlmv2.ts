/**
 * The NTLMv2 computations of MS-NLMP §3.3.2, and the MIC of §3.1.5.1.2. HMAC-MD5 comes from
 * node:crypto (OpenSSL 3 still has MD5); MD4 is our own (./md4.ts). Every function here is
 * checked against the worked example of MS-NLMP §4.2.4.
 */
import { createHmac } from "node:crypto";
import { md4 } from "./md4.js";

export const utf16le = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "utf16le"));

export const hmacMd5 = (key: Uint8Array, ...parts: readonly Uint8Array[]): Uint8Array => {
  const hmac = createHmac("md5", key);
  for (const part of parts) hmac.update(part);
  return new Uint8Array(hmac.digest());
};

/** NTOWFv1: MD4 of the UTF-16LE password, the "NT hash" (§3.3.1). */
export const ntowfv1 = (password: string): Uint8Array => md4(utf16le(password));

/**
 * NTOWFv2 (§3.3.2): HMAC-MD5 keyed with the NT hash over UPPER(user) ‖ domain. Only the user
 * name is upper-cased: the domain goes in as typed, which is why `corp\svc` and `CORP\svc`
 * are different keys.
 */
export const ntowfv2 = (password: string, user: string, domain: string): Uint8Array =>
  hmacMd5(ntowfv1(password), utf16le(user.toUpperCase() + domain));

export interface Ntlmv2Inputs {
  /** NTOWFv2 of the credentials */
  readonly responseKey: Uint8Array;
  readonly serverChallenge: Uint8Array;
  /** 8 random bytes from the client */
  readonly clientChallenge: Uint8Array;
  /** FILETIME, 8 bytes little endian: the server's MsvAvTimestamp when it sent one */
  readonly timestamp: Uint8Array;
  /** the AV pairs the client sends (the server's, plus its own), MsvAvEOL-terminated */
  readonly targetInfo: Uint8Array;
}

export interface Ntlmv2Response {
  readonly ntProofStr: Uint8Array;
  /** NTProofStr ‖ temp: the NtChallengeResponse field */
  readonly ntChallengeResponse: Uint8Array;
  /** LMv2: HMAC-MD5(key, server ‖ client challenge) ‖ client challenge */
  readonly lmChallengeResponse: Uint8Array;
  readonly sessionBaseKey: Uint8Array;
}

/** The `temp` blob (§3.3.2): version 1.1, six zeros, time, client challenge, four zeros, AV pairs, four zeros. */
export function ntlmv2Blob(timestamp: Uint8Array, clientChallenge: Uint8Array, targetInfo: Uint8Array): Uint8Array {
  const header = new Uint8Array([0x01, 0x01, 0, 0, 0, 0, 0, 0]);
  return new Uint8Array(Buffer.concat([header, timestamp, clientChallenge, new Uint8Array(4), targetInfo, new Uint8Array(4)]));
}

export function ntlmv2Response(inputs: Ntlmv2Inputs): Ntlmv2Response {
  const temp = ntlmv2Blob(inputs.timestamp, inputs.clientChallenge, inputs.targetInfo);
  const ntProofStr = ntProof(inputs.responseKey, inputs.serverChallenge, temp);
  return {
    ntProofStr,
    ntChallengeResponse: new Uint8Array(Buffer.concat([ntProofStr, temp])),
    lmChallengeResponse: new Uint8Array(Buffer.concat([hmacMd5(inputs.responseKey, inputs.serverChallenge, inputs.clientChallenge), inputs.clientChallenge])),
    sessionBaseKey: hmacMd5(inputs.responseKey, ntProofStr),
  };
}

/** NTProofStr = HMAC-MD5(ResponseKeyNT, ServerChallenge ‖ temp): what an acceptor recomputes to check the password. */
export const ntProof = (responseKey: Uint8Array, serverChallenge: Uint8Array, temp: Uint8Array): Uint8Array =>
  hmacMd5(responseKey, serverChallenge, temp);

/**
 * The MIC over the three messages (§3.1.5.1.2), the AUTHENTICATE message with its MIC field
 * zeroed. Without NTLMSSP_NEGOTIATE_KEY_EXCH (we never ask for it: HTTP does not sign or seal)
 * the exported session key is the key exchange key, which for NTLMv2 is the session base key
 * (§3.4.5.1).
 */
export const messageIntegrityCode = (sessionBaseKey: Uint8Array, negotiate: Uint8Array, challenge: Uint8Array, authenticate: Uint8Array): Uint8Array =>
  hmacMd5(sessionBaseKey, negotiate, challenge, authenticate);
