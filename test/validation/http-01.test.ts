import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createValidator, type ValidationOutcome } from "../../src/validation/index.js";
import { startHttp01Responder, type Http01Responder } from "../support/challenge-responders.js";
import { startDnsServer, type TestDnsServer } from "../support/dns-server.js";
import { challenge, closedPort, hasIpv6Loopback, loopbackProfile, redirect, startScriptedHttpsServer, startScriptedServer } from "./fixtures.js";

let dns: TestDnsServer;
let responder: Http01Responder;

beforeAll(async () => {
  dns = await startDnsServer();
  responder = await startHttp01Responder();
});
afterAll(async () => {
  await responder.close();
  await dns.close();
});
beforeEach(() => {
  dns.clear();
  dns.setA("a.test", ["127.0.0.1"]);
});

function validatorFor(http01: number, extra: Partial<Parameters<typeof loopbackProfile>[0]> = {}) {
  return createValidator([loopbackProfile({ dnsServer: dns.address, http01, ...extra })]);
}

function problemOf(outcome: ValidationOutcome) {
  if (outcome.status !== "invalid") throw new Error(`expected an invalid outcome, got ${JSON.stringify(outcome)}`);
  return outcome.problem;
}

describe("http-01", () => {
  it("is valid when the responder serves the key authorization, fetched from the checked address with the URL's Host", async () => {
    const c = challenge("http-01", "a.test");
    responder.set(c.token, c.keyAuthorization);
    const outcome = await validatorFor(responder.port)(c);
    expect(outcome).toEqual({ status: "valid", address: "127.0.0.1" });
    const request = responder.requests.find((r) => r.path === `/.well-known/acme-challenge/${c.token}`);
    expect(request).toMatchObject({ method: "GET", host: `a.test:${responder.port}` });
  });

  it("ignores whitespace at the end of the body (RFC 8555 §8.3)", async () => {
    const c = challenge("http-01", "a.test");
    responder.set(c.token, `${c.keyAuthorization}\r\n \n`);
    expect((await validatorFor(responder.port)(c)).status).toBe("valid");
  });

  it("reports incorrectResponse quoting, escaped and shortened, what the server sent instead", async () => {
    const c = challenge("http-01", "a.test");
    responder.set(c.token, `wrong\u0000\u001b[31m${"x".repeat(200)}`);
    const outcome = await validatorFor(responder.port)(c);
    const problem = problemOf(outcome);
    expect(problem.type).toBe("incorrectResponse");
    expect(problem.detail).toContain(`Fetching http://a.test:${responder.port}/.well-known/acme-challenge/${c.token} from 127.0.0.1`);
    expect(problem.detail).toContain('"wrong\\u0000\\u001b[31mxxx');
    expect(problem.detail).not.toMatch(/[\u0000-\u001f]/);
    expect(problem.detail).toContain("…");
    expect(problem.detail).not.toContain("x".repeat(64));
    expect(outcome.address).toBe("127.0.0.1");
  });

  it("reports unauthorized with the status when the token is not served", async () => {
    const c = challenge("http-01", "a.test");
    const problem = problemOf(await validatorFor(responder.port)(c));
    expect(problem.type).toBe("unauthorized");
    expect(problem.detail).toBe(
      `Fetching http://a.test:${responder.port}/.well-known/acme-challenge/${c.token} from 127.0.0.1: the server answered 404`,
    );
  });

  it("reports connection when nothing listens", async () => {
    const port = await closedPort();
    const c = challenge("http-01", "a.test");
    const problem = problemOf(await validatorFor(port)(c));
    expect(problem).toEqual({
      type: "connection",
      detail: `Fetching http://a.test:${port}/.well-known/acme-challenge/${c.token} from 127.0.0.1: connection refused`,
    });
  });

  it("reports dns when the name does not exist", async () => {
    const c = challenge("http-01", "missing.test");
    const problem = problemOf(await validatorFor(responder.port)(c));
    expect(problem.type).toBe("dns");
    expect(problem.detail).toContain("resolving missing.test (A and AAAA records): no such name (NXDOMAIN)");
  });

  it("gives up on a server that never answers once the profile's timeout has passed", async () => {
    const silent = await startScriptedServer(() => undefined);
    try {
      const c = challenge("http-01", "a.test");
      const problem = problemOf(await validatorFor(silent.port, { timeoutMs: 300 })(c));
      expect(problem.type).toBe("connection");
      expect(problem.detail).toContain("timed out");
      expect(silent.paths).toEqual([`/.well-known/acme-challenge/${c.token}`]);
    } finally {
      await silent.close();
    }
  });

  it("answers a body larger than 8 KiB with incorrectResponse, without reading it all", async () => {
    const c = challenge("http-01", "a.test");
    const big = await startScriptedServer((_, response) => {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end(`${c.keyAuthorization}${" ".repeat(100_000)}`);
    });
    try {
      const problem = problemOf(await validatorFor(big.port)(c));
      expect(problem.type).toBe("incorrectResponse");
      expect(problem.detail).toContain("larger than 8192 bytes");
    } finally {
      await big.close();
    }
  });
});

describe("http-01 redirects", () => {
  it("follows a chain across names, relative and absolute, to the key authorization", async () => {
    dns.setA("b.test", ["127.0.0.1"]);
    const c = challenge("http-01", "a.test");
    const server = await startScriptedServer((request, response) => {
      if (request.url === `/.well-known/acme-challenge/${c.token}`) return redirect(response, "http://b.test/hop", 301);
      if (request.url === "/hop") return redirect(response, "/final", 307);
      // The Host is the redirect URL's authority (RFC 9110 §7.2), which names no port here.
      if (request.url === "/final" && request.headers.host === "b.test") return void response.end(c.keyAuthorization);
      response.writeHead(404).end();
    });
    try {
      // A URL without a port means the configured port of its scheme: here the test's http-01 port.
      expect(await validatorFor(server.port)(c)).toEqual({ status: "valid", address: "127.0.0.1" });
      expect(server.paths).toEqual([`/.well-known/acme-challenge/${c.token}`, "/hop", "/final"]);
    } finally {
      await server.close();
    }
  });

  it("follows a redirect to https without verifying the certificate, on the tls-alpn-01 port", async () => {
    const c = challenge("http-01", "a.test");
    const secure = await startScriptedHttpsServer((request, response) => {
      if (request.url === "/secure" && request.headers.host === "a.test") return void response.end(c.keyAuthorization);
      response.writeHead(404).end();
    });
    const plain = await startScriptedServer((_, response) => redirect(response, "https://a.test/secure"));
    try {
      expect(await validatorFor(plain.port, { tlsAlpn01: secure.port })(c)).toEqual({ status: "valid", address: "127.0.0.1" });
      expect(secure.paths).toEqual(["/secure"]);
    } finally {
      await plain.close();
      await secure.close();
    }
  });

  it("follows ten redirects but not an eleventh", async () => {
    const c = challenge("http-01", "a.test");
    const chain = (length: number) => (request: { url?: string | undefined }, response: Parameters<typeof redirect>[0]) => {
      const step = Number(/\/step\/(\d+)$/.exec(request.url ?? "")?.[1] ?? "0");
      if (step < length) return redirect(response, `/step/${step + 1}`);
      response.end(c.keyAuthorization);
    };
    const ten = await startScriptedServer(chain(10));
    const eleven = await startScriptedServer(chain(11));
    try {
      expect((await validatorFor(ten.port)(c)).status).toBe("valid");
      const problem = problemOf(await validatorFor(eleven.port)(c));
      expect(problem.type).toBe("connection");
      expect(problem.detail).toContain("more than 10 redirects");
      expect(eleven.paths).toHaveLength(11);
    } finally {
      await ten.close();
      await eleven.close();
    }
  });

  it("refuses a redirect to a port other than the two validation ports", async () => {
    const c = challenge("http-01", "a.test");
    const elsewhere = await startScriptedServer((_, response) => void response.end(c.keyAuthorization));
    const server = await startScriptedServer((_, response) => redirect(response, `http://a.test:${elsewhere.port}/x`));
    try {
      const problem = problemOf(await validatorFor(server.port)(c));
      expect(problem.type).toBe("connection");
      expect(problem.detail).toContain(`redirected to http://a.test:${elsewhere.port}/x, but only ports ${server.port} and 1 are followed`);
      expect(elsewhere.paths).toEqual([]);
    } finally {
      await server.close();
      await elsewhere.close();
    }
  });

  it("refuses a redirect to a scheme other than http and https", async () => {
    const c = challenge("http-01", "a.test");
    const server = await startScriptedServer((_, response) => redirect(response, "ftp://a.test/file"));
    try {
      const problem = problemOf(await validatorFor(server.port)(c));
      expect(problem).toMatchObject({ type: "connection" });
      expect(problem.detail).toContain("redirected to a ftp URL; only http and https are followed");
    } finally {
      await server.close();
    }
  });

  it("re-checks every redirect target against the address policy, by name and by IP literal", async () => {
    dns.setA("inside.test", ["127.0.0.2"]);
    const c = challenge("http-01", "a.test");
    for (const [location, expected] of [
      ["http://inside.test/", "inside.test resolves only to addresses this server may not connect to (127.0.0.2)"],
      ["http://127.0.0.2/", "127.0.0.2 is an address this server may not connect to"],
    ] as const) {
      const server = await startScriptedServer((_, response) => redirect(response, location));
      try {
        const validate = validatorFor(server.port, { deny: ["127.0.0.2/32"] });
        const problem = problemOf(await validate(c));
        expect(problem.type).toBe("connection");
        expect(problem.detail).toContain(expected);
        expect(server.paths).toHaveLength(1);
      } finally {
        await server.close();
      }
    }
  });
});

describe("http-01 identifiers and addresses", () => {
  it("validates an IPv4 identifier without any DNS query (RFC 8738 §5)", async () => {
    const c = challenge("http-01", "127.0.0.1", "ip");
    responder.set(c.token, c.keyAuthorization);
    const before = dns.queries.length;
    expect(await validatorFor(responder.port)(c)).toEqual({ status: "valid", address: "127.0.0.1" });
    expect(dns.queries.length).toBe(before);
    expect(responder.requests.at(-1)?.host).toBe(`127.0.0.1:${responder.port}`);
  });

  it("never connects when the policy denies every address the name resolves to", async () => {
    const c = challenge("http-01", "a.test");
    responder.set(c.token, c.keyAuthorization);
    const before = responder.requests.length;
    const problem = problemOf(await validatorFor(responder.port, { allow: [], deny: ["127.0.0.0/8"] })(c));
    expect(problem.type).toBe("connection");
    expect(problem.detail).toContain("a.test resolves only to addresses this server may not connect to (127.0.0.1)");
    expect(responder.requests.length).toBe(before);
  });

  it("judges an IPv4-mapped IPv6 answer as the IPv4 address it reaches", async () => {
    dns.setAAAA("mapped.test", ["::ffff:127.0.0.1"]);
    const c = challenge("http-01", "mapped.test");
    const problem = problemOf(await validatorFor(responder.port, { allow: ["::/0"], deny: [] })(c));
    expect(problem.detail).toContain("mapped.test resolves only to addresses this server may not connect to (127.0.0.1)");
  });

  it("skips denied addresses and uses the allowed one", async () => {
    dns.setA("mixed.test", ["127.0.0.2", "127.0.0.1"]);
    const c = challenge("http-01", "mixed.test");
    responder.set(c.token, c.keyAuthorization);
    expect(await validatorFor(responder.port, { deny: ["127.0.0.2/32"] })(c)).toEqual({ status: "valid", address: "127.0.0.1" });
  });
});

describe.runIf(await hasIpv6Loopback())("http-01 over IPv6 (this machine has ::1)", () => {
  it("validates the identifier ::1, with the bracketed literal as Host", async () => {
    const v6 = await startHttp01Responder({ host: "::1" });
    try {
      const c = challenge("http-01", "::1", "ip");
      v6.set(c.token, c.keyAuthorization);
      expect(await validatorFor(v6.port)(c)).toEqual({ status: "valid", address: "::1" });
      expect(v6.requests.at(-1)?.host).toBe(`[::1]:${v6.port}`);
    } finally {
      await v6.close();
    }
  });

  it("tries IPv6 first and falls back to IPv4 when the IPv6 address refuses", async () => {
    dns.setAAAA("dual.test", ["::1"]);
    dns.setA("dual.test", ["127.0.0.1"]);
    const c = challenge("http-01", "dual.test");
    responder.set(c.token, c.keyAuthorization); // listens on 127.0.0.1 only
    expect(await validatorFor(responder.port)(c)).toEqual({ status: "valid", address: "127.0.0.1" });
  });

  it("names every address it tried when none accepts", async () => {
    dns.setAAAA("dual.test", ["::1"]);
    dns.setA("dual.test", ["127.0.0.1"]);
    const port = await closedPort();
    const c = challenge("http-01", "dual.test");
    const problem = problemOf(await validatorFor(port)(c));
    expect(problem.detail).toContain("from ::1: connection refused; from 127.0.0.1: connection refused");
  });
});
