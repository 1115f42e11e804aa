import { describe, expect, it } from "vitest";
import { decodeResponse, DnsWireError, encodeQuery, RecordType } from "../../src/validation/dns/wire.js";
import { parseDnsServer } from "../../src/validation/dns/servers.js";

/** A response header with QR set (and `questions` questions), then the given sections. */
function response(rcode: number, answers: number, ...sections: number[][]): Uint8Array {
  return withQuestions(0, rcode, answers, ...sections);
}

function withQuestions(questions: number, rcode: number, answers: number, ...sections: number[][]): Uint8Array {
  return Uint8Array.from([0x12, 0x34, 0x81, 0x80 | rcode, 0, questions, 0, answers, 0, 0, 0, 0, ...sections.flat()]);
}

describe("DNS wire format", () => {
  it("encodes a recursive query for one name (RFC 1035 §4.1)", () => {
    const query = Buffer.from(encodeQuery(0xbeef, "_acme-challenge.a.test", RecordType.TXT));
    expect(query.readUInt16BE(0)).toBe(0xbeef);
    expect(query.readUInt16BE(2)).toBe(0x0100);
    expect(query.subarray(12).toString("latin1")).toBe("\u000f_acme-challenge\u0001a\u0004test\u0000\u0000\u0010\u0000\u0001");
    expect(() => encodeQuery(1, `${"x".repeat(64)}.test`, RecordType.A)).toThrow(DnsWireError);
  });

  it("decodes compressed names, CNAMEs and multi-string TXT records", () => {
    const question = [1, 0x61, 4, 0x74, 0x65, 0x73, 0x74, 0, 0, 5, 0, 1]; // a.test CNAME IN, name at offset 12
    const cname = [0xc0, 12, 0, 5, 0, 1, 0, 0, 0, 0, 0, 4, 1, 0x62, 0xc0, 14]; // a.test CNAME b.(test)
    const txt = [1, 0x62, 0xc0, 14, 0, 16, 0, 1, 0, 0, 0, 0, 0, 6, 2, 0x68, 0x69, 2, 0x79, 0x6f]; // b.test TXT "hi" "yo"
    const decoded = decodeResponse(withQuestions(1, 0, 2, question, cname, txt));
    expect(decoded.rcode).toBe(0);
    expect(decoded.answers).toEqual([
      { name: "a.test", type: RecordType.CNAME, target: "b.test" },
      { name: "b.test", type: RecordType.TXT, chunks: ["hi", "yo"] },
    ]);
  });

  it("refuses malformed answers instead of trusting them", () => {
    const loop = [0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 127, 0, 0, 1]; // a name pointing at itself
    expect(() => decodeResponse(response(0, 1, loop))).toThrow(DnsWireError);
    expect(() => decodeResponse(response(0, 1, [0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 9, 1]))).toThrow(DnsWireError);
    expect(() => decodeResponse(Uint8Array.from([0, 1, 0]))).toThrow(DnsWireError);
    const notAResponse = response(0, 0).map((b, i) => (i === 2 ? 0x01 : b));
    expect(() => decodeResponse(notAResponse)).toThrow(DnsWireError);
  });

  it("decodes a CAA record: flags, tag as sent, and the value up to the end of its data (RFC 8659 §4.1)", () => {
    const rdata = [128, 5, ...Buffer.from("Issue"), ...Buffer.from("ca.test; a=b")];
    const caa = [0xc0, 12, 1, 1, 0, 1, 0, 0, 0, 0, 0, rdata.length, ...rdata]; // owner: the question's name
    const question = [1, 0x61, 4, 0x74, 0x65, 0x73, 0x74, 0, 1, 1, 0, 1]; // a.test CAA IN
    expect(decodeResponse(withQuestions(1, 0, 1, question, caa)).answers).toEqual([
      { name: "a.test", type: RecordType.CAA, flags: 128, tag: "Issue", value: "ca.test; a=b" },
    ]);
    const emptyValue = [0, 5, ...Buffer.from("issue")];
    expect(decodeResponse(response(0, 1, [0, 1, 1, 0, 1, 0, 0, 0, 0, 0, emptyValue.length, ...emptyValue])).answers).toEqual([
      { name: "", type: RecordType.CAA, flags: 0, tag: "issue", value: "" },
    ]);
  });

  it("refuses a CAA record whose tag is empty or longer than its data", () => {
    expect(() => decodeResponse(response(0, 1, [0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 3, 0, 0, 0x78]))).toThrow(DnsWireError);
    expect(() => decodeResponse(response(0, 1, [0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 3, 0, 9, 0x78]))).toThrow(DnsWireError);
    expect(() => decodeResponse(response(0, 1, [0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0]))).toThrow(DnsWireError);
  });

  it("reads the RCODE of an NXDOMAIN answer", () => {
    expect(decodeResponse(response(3, 0)).rcode).toBe(3);
  });
});

describe("DNS server addresses", () => {
  it.each([
    ["192.0.2.53", { host: "192.0.2.53", port: 53 }],
    ["127.0.0.1:5353", { host: "127.0.0.1", port: 5353 }],
    ["::1", { host: "::1", port: 53 }],
    ["[::1]:5353", { host: "::1", port: 5353 }],
  ])("reads %s", (text, expected) => {
    expect(parseDnsServer(text)).toEqual(expected);
  });

  it("refuses a port out of range", () => {
    expect(parseDnsServer("127.0.0.1:70000")).toBeUndefined();
  });
});
