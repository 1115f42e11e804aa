import { createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createValidator, type ValidationOutcome } from "../../src/validation/index.js";
import { startTlsAlpn01Responder, type TlsAlpn01Responder } from "../support/challenge-responders.js";
import { startDnsServer, type TestDnsServer } from "../support/dns-server.js";
import { challenge, closedPort, hasIpv6Loopback, loopbackProfile } from "./fixtures.js";

let dns: TestDnsServer;
let responder: TlsAlpn01Responder;

beforeAll(async () => {
  dns = await startDnsServer({ defaultA: "127.0.0.1" });
  responder = await startTlsAlpn01Responder();
});
afterAll(async () => {
  await responder.close();
  await dns.close();
});
beforeEach(() => dns.clear());

function validatorFor(tlsAlpn01: number, extra: Partial<Parameters<typeof loopbackProfile>[0]> = {}) {
  return createValidator([loopbackProfile({ dnsServer: dns.address, tlsAlpn01, ...extra })]);
}

function problemOf(outcome: ValidationOutcome) {
  if (outcome.status !== "invalid") throw new Error(`expected an invalid outcome, got ${JSON.stringify(outcome)}`);
  return outcome.problem;
}

describe("tls-alpn-01", () => {
  it("is valid with the right certificate, sent for the name as SNI", async () => {
    const c = challenge("tls-alpn-01", "a.test");
    await responder.set("a.test", c.keyAuthorization);
    expect(await validatorFor(responder.port)(c)).toEqual({ status: "valid", address: "127.0.0.1" });
    expect(responder.serverNames.at(-1)).toBe("a.test");
  });

  it("reports incorrectResponse when the digest is of another key authorization", async () => {
    const c = challenge("tls-alpn-01", "stale.test");
    await responder.set("stale.test", challenge("tls-alpn-01", "stale.test").keyAuthorization);
    const problem = problemOf(await validatorFor(responder.port)(c));
    expect(problem.type).toBe("incorrectResponse");
    expect(problem.detail).toContain("the acmeIdentifier extension does not hold the digest of this challenge's key authorization");
    expect(problem.detail).toContain(`Connecting to stale.test:${responder.port} with TLS ALPN acme-tls/1 (server name stale.test) at 127.0.0.1`);
  });

  it.each([
    ["no-acme-identifier", "the certificate has no acmeIdentifier (1.3.6.1.5.5.7.1.31) extension"],
    ["non-critical", "the acmeIdentifier extension is not marked critical"],
    ["extra-san", 'the certificate has 2 subjectAltNames (DNS:"flawed.test", DNS:"extra.invalid"); RFC 8737 requires exactly one, flawed.test'],
    ["wrong-san", `the certificate's subjectAltName is DNS:"other.invalid", not flawed.test`],
  ] as const)("reports incorrectResponse for a certificate with the flaw %s", async (flaw, expected) => {
    const c = challenge("tls-alpn-01", "flawed.test");
    await responder.set("flawed.test", c.keyAuthorization, { flaw });
    const problem = problemOf(await validatorFor(responder.port)(c));
    expect(problem.type).toBe("incorrectResponse");
    expect(problem.detail).toContain(expected);
  });

  it("reports incorrectResponse when the server presents a certificate for another name", async () => {
    const c = challenge("tls-alpn-01", "unset.test");
    const problem = problemOf(await validatorFor(responder.port)(c));
    expect(problem.type).toBe("incorrectResponse");
    expect(problem.detail).toContain('subjectAltName is DNS:"unconfigured.invalid", not unset.test');
  });

  it("reports incorrectResponse when the server completes the handshake without ALPN", async () => {
    const plain = await startTlsAlpn01Responder({ alpnProtocols: [] });
    try {
      const c = challenge("tls-alpn-01", "a.test");
      await plain.set("a.test", c.keyAuthorization);
      const problem = problemOf(await validatorFor(plain.port)(c));
      expect(problem.type).toBe("incorrectResponse");
      expect(problem.detail).toContain("the server did not negotiate the acme-tls/1 protocol");
    } finally {
      await plain.close();
    }
  });

  it("reports tls when the server rejects acme-tls/1 in the handshake", async () => {
    const web = await startTlsAlpn01Responder({ alpnProtocols: ["http/1.1"] });
    try {
      const c = challenge("tls-alpn-01", "a.test");
      await web.set("a.test", c.keyAuthorization);
      const problem = problemOf(await validatorFor(web.port)(c));
      expect(problem.type).toBe("tls");
      expect(problem.detail).toContain("TLS handshake failed (tlsv1 alert no application protocol)");
      expect(problem.detail).not.toMatch(/openssl|\.c:\d+/);
    } finally {
      await web.close();
    }
  });

  it("reports connection when nothing listens, and when the peer never finishes the handshake", async () => {
    const port = await closedPort();
    const c = challenge("tls-alpn-01", "a.test");
    expect(problemOf(await validatorFor(port)(c))).toMatchObject({ type: "connection", detail: expect.stringContaining("connection refused") });

    const sockets = new Set<Socket>();
    const mute = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => mute.listen(0, "127.0.0.1", () => resolve()));
    try {
      const problem = problemOf(await validatorFor((mute.address() as AddressInfo).port, { timeoutMs: 300 })(c));
      expect(problem.type).toBe("connection");
      expect(problem.detail).toContain("timed out");
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => mute.close(() => resolve()));
    }
  });

  it("never connects when the policy denies the address", async () => {
    const c = challenge("tls-alpn-01", "a.test");
    await responder.set("a.test", c.keyAuthorization);
    const before = responder.serverNames.length;
    const problem = problemOf(await validatorFor(responder.port, { deny: ["127.0.0.0/8"] })(c));
    expect(problem).toEqual({
      type: "connection",
      detail: `Connecting to a.test:${responder.port} with TLS ALPN acme-tls/1 (server name a.test): a.test resolves only to addresses this server may not connect to (127.0.0.1)`,
    });
    expect(responder.serverNames.length).toBe(before);
  });

  it("validates an IPv4 identifier with its reverse name as SNI and an iPAddress SAN (RFC 8738 §6)", async () => {
    const c = challenge("tls-alpn-01", "127.0.0.1", "ip");
    await responder.set("127.0.0.1", c.keyAuthorization);
    expect(await validatorFor(responder.port)(c)).toEqual({ status: "valid", address: "127.0.0.1" });
    expect(responder.serverNames.at(-1)).toBe("1.0.0.127.in-addr.arpa");
  });
});

describe.runIf(await hasIpv6Loopback())("tls-alpn-01 over IPv6 (this machine has ::1)", () => {
  it("validates ::1 with the ip6.arpa nibble name as SNI", async () => {
    const v6 = await startTlsAlpn01Responder({ host: "::1" });
    try {
      const c = challenge("tls-alpn-01", "::1", "ip");
      await v6.set("::1", c.keyAuthorization);
      expect(await validatorFor(v6.port)(c)).toEqual({ status: "valid", address: "::1" });
      expect(v6.serverNames.at(-1)).toBe(`1.${"0.".repeat(31)}ip6.arpa`);
    } finally {
      await v6.close();
    }
  });
});
