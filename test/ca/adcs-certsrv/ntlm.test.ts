/**
 * NTLMv2 against the worked example of MS-NLMP §4.2.4 (user "User", domain "Domain", password
 * "Password", server challenge 0123456789abcdef, client challenge aa…aa, time 0, target
 * information NbDomainName "Domain" + NbComputerName "Server"), and the messages built from it.
 */
import { describe, expect, it } from "vitest";
import { AV, readAvPairs } from "../../../src/ca/adcs-certsrv/ntlm/av-pairs.js";
import { channelBindingsHash } from "../../../src/ca/adcs-certsrv/ntlm/channel-binding.js";
import { ntlmCredentials } from "../../../src/ca/adcs-certsrv/ntlm/credentials.js";
import { MIC_OFFSET, authenticateMessage, field, negotiateMessage, readChallengeMessage } from "../../../src/ca/adcs-certsrv/ntlm/messages.js";
import { ntlmv2Response, ntowfv1, ntowfv2 } from "../../../src/ca/adcs-certsrv/ntlm/ntlmv2.js";
import { acceptAuthenticate, challengeFor } from "./ntlm-acceptor.js";

const h = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex.replace(/\s+/g, ""), "hex"));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

const SERVER_CHALLENGE = h("0123456789abcdef");
const CLIENT_CHALLENGE = h("aaaaaaaaaaaaaaaa");
const TIME = new Uint8Array(8);
// §4.2.4: the AV pairs of the example's CHALLENGE (NbDomainName "Domain", NbComputerName "Server", EOL).
const TARGET_INFO = h("02000c0044006f006d00610069006e00 01000c0053006500720076006500720000000000");
// §4.2.4.3: the example's CHALLENGE_MESSAGE.
const CHALLENGE_MESSAGE = h(
  "4e544c4d53535000020000000c000c003800000033828ae20123456789abcdef00000000000000002400240044000000060070170000000f" +
    "53006500720076006500720002000c0044006f006d00610069006e0001000c0053006500720076006500720000000000",
);

describe("NTLMv2 computations (MS-NLMP §4.2.4.1–4.2.4.2)", () => {
  it("derives NTOWFv1 and NTOWFv2 from the password", () => {
    expect(hex(ntowfv1("Password"))).toBe("a4f49c406510bdcab6824ee7c30fd852");
    expect(hex(ntowfv2("Password", "User", "Domain"))).toBe("0c868a403bfd7a93a3001ef22ef02e3f");
    // Only the user name is case-folded.
    expect(hex(ntowfv2("Password", "user", "Domain"))).toBe("0c868a403bfd7a93a3001ef22ef02e3f");
    expect(hex(ntowfv2("Password", "User", "DOMAIN"))).not.toBe("0c868a403bfd7a93a3001ef22ef02e3f");
  });

  it("computes the example's NTProofStr, LMv2 response and session base key", () => {
    const response = ntlmv2Response({
      responseKey: ntowfv2("Password", "User", "Domain"),
      serverChallenge: SERVER_CHALLENGE,
      clientChallenge: CLIENT_CHALLENGE,
      timestamp: TIME,
      targetInfo: TARGET_INFO,
    });
    expect(hex(response.ntProofStr)).toBe("68cd0ab851e51c96aabc927bebef6a1c");
    expect(hex(response.lmChallengeResponse)).toBe("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
    expect(hex(response.sessionBaseKey)).toBe("8de40ccadbc14a82f15cb0ad0de95ca3");
    expect(hex(response.ntChallengeResponse)).toBe(`68cd0ab851e51c96aabc927bebef6a1c0101000000000000${"00".repeat(8)}aaaaaaaaaaaaaaaa00000000${hex(TARGET_INFO)}00000000`);
  });
});

describe("NTLM messages", () => {
  it("reads the example CHALLENGE_MESSAGE (§4.2.4.3)", () => {
    const challenge = readChallengeMessage(CHALLENGE_MESSAGE);
    expect(hex(challenge.serverChallenge)).toBe("0123456789abcdef");
    expect(challenge.flags >>> 0).toBe(0xe28a8233);
    expect(challenge.targetInfo.map((pair) => [pair.id, Buffer.from(pair.value).toString("utf16le")])).toEqual([
      [AV.NB_DOMAIN_NAME, "Domain"],
      [AV.NB_COMPUTER_NAME, "Server"],
    ]);
  });

  it("answers the example challenge with the example's responses, user and domain", () => {
    const message = Buffer.from(
      authenticateMessage(negotiateMessage(), readChallengeMessage(CHALLENGE_MESSAGE), { user: "User", domain: "Domain", password: "Password" }, {
        clientChallenge: CLIENT_CHALLENGE,
        now: () => new Date(Date.UTC(1601, 0, 1)),
      }),
    );
    expect(hex(field(message, 12))).toBe("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa");
    expect(hex(field(message, 20).subarray(0, 16))).toBe("68cd0ab851e51c96aabc927bebef6a1c");
    expect(Buffer.from(field(message, 28)).toString("utf16le")).toBe("Domain");
    expect(Buffer.from(field(message, 36)).toString("utf16le")).toBe("User");
    // No server timestamp: no MIC.
    expect(hex(message.subarray(MIC_OFFSET, MIC_OFFSET + 16))).toBe("00".repeat(16));
  });

  it("adds a MIC and channel bindings that a verifier accepts, and that fail for a wrong password or a tampered message", () => {
    const negotiate = negotiateMessage();
    const pending = challengeFor(negotiate, new Date());
    const bindings = channelBindingsHash(h("3003020101"));
    const settings = { passwords: new Map([["svc-acme", "right"]]), channelBindings: bindings, requireChannelBindings: true };
    const answer = (password: string, channelBindings?: Uint8Array) =>
      authenticateMessage(negotiate, readChallengeMessage(pending.challenge), ntlmCredentials("CORP\\svc-acme", password), { channelBindings });

    const good = answer("right", bindings);
    expect(hex(good.subarray(MIC_OFFSET, MIC_OFFSET + 16))).not.toBe("00".repeat(16));
    expect(acceptAuthenticate(settings, pending, good)).toEqual({ ok: true, user: "svc-acme", domain: "CORP", channelBound: true });
    expect(acceptAuthenticate(settings, pending, answer("wrong", bindings))).toMatchObject({ ok: false, why: expect.stringContaining("wrong password") });
    expect(acceptAuthenticate(settings, pending, answer("right"))).toMatchObject({ ok: false, why: "channel bindings required" });
    expect(acceptAuthenticate(settings, pending, answer("right", channelBindingsHash(h("3003020102"))))).toMatchObject({ ok: false });
    const tampered = Buffer.from(good);
    tampered.writeUInt32LE((tampered.readUInt32LE(60) ^ 0x00000004) >>> 0, 60); // a negotiated flag changed in transit
    expect(acceptAuthenticate(settings, pending, tampered)).toMatchObject({ ok: false, why: "the MIC does not match" });
    // An answer to another challenge does not verify.
    expect(acceptAuthenticate(settings, challengeFor(negotiate, new Date()), good)).toMatchObject({ ok: false });
  });

  it("refuses tokens that are not a usable CHALLENGE", () => {
    expect(() => readChallengeMessage(negotiateMessage())).toThrow("not a CHALLENGE message");
    expect(() => readChallengeMessage(new Uint8Array(10))).toThrow("not a CHALLENGE message");
    const truncated = Buffer.from(CHALLENGE_MESSAGE.subarray(0, 80));
    expect(() => readChallengeMessage(truncated)).toThrow("points past the end");
    const noUnicode = Buffer.from(CHALLENGE_MESSAGE);
    noUnicode.writeUInt32LE((noUnicode.readUInt32LE(20) & ~1) >>> 0, 20);
    expect(() => readChallengeMessage(noUnicode)).toThrow("Unicode");
    expect(() => readAvPairs(h("02000c00446f"))).toThrow("runs past the end");
  });

  it("splits DOMAIN\\user and keeps a UPN whole", () => {
    expect(ntlmCredentials("CORP\\svc-acme", "p")).toEqual({ user: "svc-acme", domain: "CORP", password: "p" });
    expect(ntlmCredentials("svc-acme@corp.example", "p")).toEqual({ user: "svc-acme@corp.example", domain: "", password: "p" });
  });
});
