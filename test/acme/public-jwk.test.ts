import { calculateJwkThumbprint } from "jose";
import { describe, expect, it } from "vitest";
import { AcmeProblem } from "../../src/http/problem.js";
import { jwkThumbprint, parsePublicJwk } from "../../src/acme/jws/public-jwk.js";

const rsaModulus = (bytes: number, first = 0x80) =>
  Buffer.concat([Buffer.from([first]), Buffer.alloc(bytes - 1, 0xab)]).toString("base64url");

function problemType(value: unknown): string | undefined {
  try {
    parsePublicJwk(value);
    return undefined;
  } catch (error) {
    return error instanceof AcmeProblem ? error.type : "not a problem";
  }
}

describe("account public keys", () => {
  it("matches the RFC 7638 §3.1 thumbprint example", async () => {
    const jwk = {
      kty: "RSA",
      n: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
      e: "AQAB",
      alg: "RS256",
      kid: "2011-04-29",
    };
    const parsed = parsePublicJwk(jwk);
    expect(parsed).toEqual({ kty: "RSA", n: jwk.n, e: "AQAB" });
    expect(jwkThumbprint(parsed)).toBe("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    expect(jwkThumbprint(parsed)).toBe(await calculateJwkThumbprint(jwk));
  });

  it("accepts RSA moduli of 2048 to 4096 bits only", () => {
    expect(problemType({ kty: "RSA", e: "AQAB", n: rsaModulus(256) })).toBeUndefined();
    expect(problemType({ kty: "RSA", e: "AQAB", n: rsaModulus(512) })).toBeUndefined();
    // A leading zero byte does not count towards the size.
    expect(problemType({ kty: "RSA", e: "AQAB", n: `AA${rsaModulus(255)}` })).toBe("badPublicKey");
    expect(problemType({ kty: "RSA", e: "AQAB", n: rsaModulus(256, 0x7f) })).toBe("badPublicKey");
    expect(problemType({ kty: "RSA", e: "AQAB", n: rsaModulus(513) })).toBe("badPublicKey");
  });

  it("accepts an odd RSA public exponent of at most 32 bits, such as 65537 or 3", () => {
    expect(problemType({ kty: "RSA", e: "AQAB", n: rsaModulus(256) })).toBeUndefined();
    expect(problemType({ kty: "RSA", e: "Aw", n: rsaModulus(256) })).toBeUndefined();
    expect(problemType({ kty: "RSA", e: Buffer.from([0xff, 0xff, 0xff, 0xff]).toString("base64url"), n: rsaModulus(256) })).toBeUndefined();
    // An exponent as long as the modulus makes each verification as dear as a private-key operation.
    expect(problemType({ kty: "RSA", e: rsaModulus(256), n: rsaModulus(256) })).toBe("badPublicKey");
    expect(problemType({ kty: "RSA", e: Buffer.from([1, 0, 0, 0, 1]).toString("base64url"), n: rsaModulus(256) })).toBe("badPublicKey");
    expect(problemType({ kty: "RSA", e: "AQAA", n: rsaModulus(256) })).toBe("badPublicKey");
    expect(problemType({ kty: "RSA", e: "AQ", n: rsaModulus(256) })).toBe("badPublicKey");
  });

  it("refuses private members, unknown key types and badly sized coordinates", () => {
    expect(problemType({ kty: "RSA", e: "AQAB", n: rsaModulus(256), d: "AQAB" })).toBe("malformed");
    expect(problemType({ kty: "OKP", crv: "Ed25519", x: "A".repeat(43), d: "A".repeat(43) })).toBe("malformed");
    expect(problemType({ kty: "oct", k: "c2VjcmV0" })).toBe("malformed");
    expect(problemType({ kty: "oct" })).toBe("badPublicKey");
    expect(problemType({ kty: "OKP", crv: "X25519", x: "A".repeat(43) })).toBe("badPublicKey");
    expect(problemType({ kty: "EC", crv: "P-256", x: "A".repeat(43), y: "A".repeat(10) })).toBe("badPublicKey");
    expect(problemType({ kty: "EC", crv: "P-256", x: "A".repeat(43) })).toBe("malformed");
    expect(problemType("not a key")).toBe("malformed");
  });
});
