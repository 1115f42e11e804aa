import { describe, expect, it } from "vitest";
import { MAX_CSR_BYTES } from "../../../src/acme/csr/check-csr.js";
import { checkCsr, type CsrCheck, type CsrIdentifier } from "../../../src/acme/csr/index.js";
import { buildCsr, extension, OID } from "./support/build-csr.js";
import { concat, oid, seq, tlv } from "./support/der-encode.js";
import { expectAccepted, expectRefused } from "./support/expect-refusal.js";
import { ACCOUNT, p256 } from "./support/keys.js";

const order: CsrIdentifier[] = [{ type: "dns", value: "example.com" }];
const check = (der: Uint8Array): CsrCheck => checkCsr(der, order, ACCOUNT);

/** Replaces the first occurrence of `from` in `bytes` (the request info is re-signed afterwards). */
function replace(bytes: Uint8Array, from: Uint8Array, to: Uint8Array): Uint8Array {
  const at = Buffer.from(bytes).indexOf(Buffer.from(from));
  if (at < 0) throw new Error("pattern not found in the test CSR");
  return concat(bytes.subarray(0, at), to, bytes.subarray(at + from.length));
}

/** The outer SEQUENCE of the request info grows or shrinks with the change; re-frame it. */
const reframe = (info: Uint8Array, change: (content: Uint8Array) => Uint8Array): Uint8Array => {
  const headerLength = (info[1] as number) < 0x80 ? 2 : 2 + ((info[1] as number) & 0x7f);
  return seq(change(info.subarray(headerLength)));
};

/** Deterministic PRNG (mulberry32), so a fuzz failure can be replayed. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("strict DER", () => {
  it("refuses a byte after the CSR", () => {
    expectRefused(check(concat(buildCsr({ key: p256() }), Uint8Array.of(0))), /certification request is followed by 1 trailing byte/);
  });

  it("refuses trailing bytes inside a nested structure, even when correctly signed", () => {
    // The SAN's GeneralNames SEQUENCE followed by a stray NULL inside the extension's OCTET STRING.
    const sanValue = seq(tlv(0x82, Uint8Array.from("example.com", (c) => c.charCodeAt(0))));
    const der = buildCsr({ key: p256(), extensions: [extension(OID.san, concat(sanValue, Uint8Array.of(0x05, 0x00)))] });
    expectRefused(check(der), /subjectAltName extension is followed by 2 trailing byte/);
  });

  it("refuses a non-minimal length, even when correctly signed", () => {
    // The version INTEGER written with a long-form length: 02 81 01 00.
    const der = buildCsr({ key: p256(), mangleInfo: (info) => reframe(info, (c) => replace(c, Uint8Array.of(2, 1, 0), Uint8Array.of(2, 0x81, 1, 0))) });
    expectRefused(check(der), /non-minimal length encoding/);
  });

  it("refuses an indefinite length", () => {
    const good = buildCsr({ key: p256() });
    const indefinite = concat(Uint8Array.of(0x30, 0x80), good.subarray((good[1] as number) < 0x80 ? 2 : 2 + ((good[1] as number) & 0x7f)), Uint8Array.of(0, 0));
    expectRefused(check(indefinite), /indefinite length \(BER, not DER\)/);
  });

  it("refuses a version other than 0 (or 2, below), and a non-minimal version INTEGER", () => {
    expectRefused(check(buildCsr({ key: p256(), version: Uint8Array.of(2, 1, 1) })), /CSR version must be 0 \(v1\)/);
    expectRefused(check(buildCsr({ key: p256(), version: Uint8Array.of(2, 1, 3) })), /CSR version must be 0 \(v1\)/);
    expectRefused(check(buildCsr({ key: p256(), version: Uint8Array.of(2, 1, 0xff) })), /CSR version must be 0 \(v1\)/);
    expectRefused(check(buildCsr({ key: p256(), version: Uint8Array.of(2, 2, 0, 0) })), /CSR version must be 0/);
    expectRefused(check(buildCsr({ key: p256(), version: Uint8Array.of(2, 2, 0, 2) })), /CSR version must be 0/);
  });

  // The Ruby acme-client gem's CertificateRequest (2.0.9 in Debian bookworm; what GitLab's Let's
  // Encrypt integration finalizes with) sets `csr.version = 2`, a certificate's v3 number. The
  // version is never copied into the certificate: tolerated, as Let's Encrypt does.
  it("accepts version 2, as the Ruby acme-client gem writes it", () => {
    expectAccepted(check(buildCsr({ key: p256(), version: Uint8Array.of(2, 1, 2) })));
  });

  it("refuses a critical flag that is neither 0x00 nor 0xFF", () => {
    const sanValue = seq(tlv(0x82, Uint8Array.from("example.com", (c) => c.charCodeAt(0))));
    const sloppy = seq(oid(OID.san), Uint8Array.of(0x01, 0x01, 0x01), tlv(0x04, sanValue));
    expectRefused(check(buildCsr({ key: p256(), extensions: [sloppy] })), /critical flag of subjectAltName .* is not a DER BOOLEAN/);
  });

  it("tolerates an explicit critical FALSE, as Go's parser does", () => {
    expectAccepted(check(buildCsr({ key: p256(), extensions: [extension(OID.san, seq(tlv(0x82, Uint8Array.from("example.com", (c) => c.charCodeAt(0)))), false)] })));
  });

  it("refuses an OBJECT IDENTIFIER arc with a leading 0x80", () => {
    const padded = tlv(0x06, Uint8Array.of(0x55, 0x80, 0x1d, 0x11)); // 2.5.29.17 with a padded arc
    const der = buildCsr({ key: p256(), extensions: [seq(padded, tlv(0x04, seq(tlv(0x82, Uint8Array.of(0x61)))))] });
    expectRefused(check(der), /OBJECT IDENTIFIER arc with a non-minimal encoding/);
  });

  it("refuses a high tag number", () => {
    const der = buildCsr({ key: p256(), mangleInfo: (info) => reframe(info, (c) => concat(c, Uint8Array.of(0x1f, 0x81, 0x00, 0x00))) });
    expectRefused(check(der), /high tag number/);
  });

  it("refuses a CSR larger than the limit before reading it", () => {
    expectRefused(check(new Uint8Array(MAX_CSR_BYTES + 1)), new RegExp(`${MAX_CSR_BYTES + 1} bytes long; at most ${MAX_CSR_BYTES}`));
  });
});

describe("hostile input never throws", () => {
  const valid = buildCsr({ key: p256(), names: ["example.com"] });

  it("refuses every truncation of a valid CSR", () => {
    expectAccepted(check(valid));
    for (let length = 0; length < valid.length; length++) {
      const result = check(valid.subarray(0, length));
      expect(result.ok, `prefix of ${length} bytes`).toBe(false);
      if (!result.ok) expect(result.detail).toMatch(/^The CSR (?!could not be read)/);
    }
  });

  it("refuses every single-byte corruption of a valid CSR", () => {
    const random = prng(0xc5a);
    for (let at = 0; at < valid.length; at++) {
      const corrupted = Uint8Array.from(valid);
      corrupted[at] = ((corrupted[at] as number) ^ (1 + Math.floor(random() * 255))) & 0xff;
      const result = check(corrupted);
      expect(result.ok, `byte ${at} changed`).toBe(false);
      if (!result.ok) expect(result.detail).not.toMatch(/could not be read/);
    }
  });

  it("refuses thousands of random byte strings, with and without a plausible header", () => {
    const random = prng(20261130);
    for (let i = 0; i < 4000; i++) {
      const length = Math.floor(random() * 400);
      const bytes = Uint8Array.from({ length }, () => Math.floor(random() * 256));
      if (i % 2 === 0 && length > 4) {
        bytes[0] = 0x30; // a SEQUENCE whose length fits, so the reader goes deeper
        bytes[1] = 0x82;
        bytes[2] = ((length - 4) >> 8) & 0xff;
        bytes[3] = (length - 4) & 0xff;
      }
      const result = check(bytes);
      expect(result.ok).toBe(false);
      // The catch-all answer would mean an internal error escaped the reader: never expected.
      if (!result.ok) expect(result.detail).toMatch(/^The CSR (?!could not be read).*\.$/);
    }
  });

  it("answers every mutation of a rich request info, re-signed so the inner readers see it, without an internal error", () => {
    const random = prng(7);
    const key = p256();
    const extensions = [
      extension("2.5.29.15", Uint8Array.of(0x03, 0x02, 0x05, 0xa0), true),
      extension(OID.eku, seq(oid(OID.serverAuth))),
      extension(OID.san, seq(tlv(0x82, Uint8Array.from("example.com", (c) => c.charCodeAt(0))), tlv(0x87, Uint8Array.of(192, 0, 2, 1)))),
    ];
    const expected: CsrIdentifier[] = [{ type: "dns", value: "example.com" }, { type: "ip", value: "192.0.2.1" }];
    const subject = seq(tlv(0x31, seq(oid(OID.cn), tlv(0x0c, Uint8Array.from("example.com", (c) => c.charCodeAt(0))))));
    const mutate = (info: Uint8Array): Uint8Array => {
      const bytes = Array.from(info);
      for (let edits = 1 + Math.floor(random() * 3); edits > 0; edits--) {
        const at = Math.floor(random() * bytes.length);
        const op = random();
        if (op < 0.6) bytes[at] = Math.floor(random() * 256);
        else if (op < 0.8) bytes.splice(at, 1);
        else bytes.splice(at, 0, Math.floor(random() * 256));
      }
      return Uint8Array.from(bytes);
    };
    expectAccepted(checkCsr(buildCsr({ key, subject, extensions }), expected, ACCOUNT));
    let accepted = 0;
    for (let i = 0; i < 2000; i++) {
      const result = checkCsr(buildCsr({ key, subject, extensions, mangleInfo: mutate }), expected, ACCOUNT);
      if (result.ok) accepted++;
      else {
        expect(result.detail).toMatch(/^[A-Z][^\n]*\.$/);
        expect(result.detail).not.toMatch(/could not be read/);
      }
    }
    expect(accepted).toBeLessThan(2000);
  });

  it("refuses values that are not byte arrays", () => {
    for (const value of [null, undefined, "MIIB", 42, {}, [0x30, 0x00]]) {
      expectRefused(checkCsr(value as unknown as Uint8Array, order, ACCOUNT), /The CSR must be given as DER bytes/);
    }
  });
});
