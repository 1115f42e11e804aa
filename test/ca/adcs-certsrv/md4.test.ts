import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { md4 } from "../../../src/ca/adcs-certsrv/ntlm/md4.js";

const hex = (text: string | Uint8Array): string => Buffer.from(md4(typeof text === "string" ? Buffer.from(text, "latin1") : text)).toString("hex");

describe("MD4", () => {
  it("gives the digests of RFC 1320's test suite (appendix A.5)", () => {
    expect(hex("")).toBe("31d6cfe0d16ae931b73c59d7e0c089c0");
    expect(hex("a")).toBe("bde52cb31de33e46245e05fbdbd6fb24");
    expect(hex("abc")).toBe("a448017aaf21d8525fc10ae87aa6729d");
    expect(hex("message digest")).toBe("d9130a8164549fe818874806e1c7014b");
    expect(hex("abcdefghijklmnopqrstuvwxyz")).toBe("d79e1c308aa5bbcdeea8ed63df412da9");
    expect(hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")).toBe("043f8582f241db351ce627e153e7f0e4");
    expect(hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890")).toBe("e33b4ddc9c38f2199c3e7b164fcc0536");
  });

  it("agrees with OpenSSL's legacy MD4 across every padding boundary up to three blocks", () => {
    // OpenSSL still has MD4 behind its legacy provider: an independent implementation to compare with.
    const inputs = Array.from({ length: 200 }, (_, length) => Buffer.from(Array.from({ length }, (_, i) => (i * 37 + length) & 0xff)));
    const script = `const { createHash } = require("node:crypto");
      const inputs = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
      process.stdout.write(JSON.stringify(inputs.map((b) => createHash("md4").update(Buffer.from(b, "base64")).digest("hex"))));`;
    const expected = JSON.parse(
      execFileSync(process.execPath, ["--openssl-legacy-provider", "-e", script], { input: JSON.stringify(inputs.map((b) => b.toString("base64"))) }).toString(),
    ) as string[];
    expect(inputs.map((input) => hex(input))).toEqual(expected);
  });

  it("hashes the UTF-16LE password into MS-NLMP's NT hash (§4.2.2.1.2)", () => {
    expect(hex(Buffer.from("Password", "utf16le"))).toBe("a4f49c406510bdcab6824ee7c30fd852");
  });
});
