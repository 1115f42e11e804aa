/**
 * Whom the per-address limits count, on a `serve` child process (issue 5, reference §4.3
 * `server.remote-ip-header` / `server.trusted-proxies`): a forwarding header from an address
 * that is not a trusted proxy is whatever the client wanted it to say and is ignored; from a
 * trusted proxy, the hop the proxy saw is the client, IPv6 clients counted per /64.
 */
import { readFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { createInstallation, killLeftoverChildren, rateLimitRefusals, type Installation } from "./harness.js";
import { problemOf, RawAcmeConnection, retryAfter, type RawAnswer } from "./raw-acme.js";

afterEach(killLeftoverChildren);

/** Three requests at once, then one a minute: no refill can blur the count during the test. */
const TIGHT_GLOBAL = ["  global:", "    requests-per-minute: 1", "    burst: 3"];

async function withServer(trustedProxy: string, use: (acme: RawAcmeConnection, node: Installation) => Promise<void>): Promise<void> {
  const node = await createInstallation({
    server: ["  remote-ip-header: X-Forwarded-For", "  trusted-proxies:", `    - ${trustedProxy}`],
    rateLimiting: TIGHT_GLOBAL,
  });
  try {
    const server = await node.serve();
    const acme = new RawAcmeConnection(node.baseUrl, await readFile(node.rootCaPath, "utf8"));
    try {
      await use(acme, node);
    } finally {
      acme.close();
      expect((await server.stop("SIGTERM")).code).toBe(0);
    }
  } finally {
    await node.cleanup();
  }
}

/** GET newNonce (RFC 8555 §7.2: 204), the cheapest request that goes through the limits; GET so a refusal has its problem body. */
const nonceFrom = (acme: RawAcmeConnection, forwardedFor?: string): Promise<RawAnswer> =>
  acme.send("/acme/newNonce", forwardedFor === undefined ? {} : { headers: { "X-Forwarded-For": forwardedFor } });

function expectGlobalRefusal(answer: RawAnswer, client: string): void {
  expect(answer.status).toBe(429);
  expect(problemOf(answer).detail).toMatch(new RegExp(`^Too many requests from ${client.replaceAll(".", "\\.")}: at most 1 a minute`));
  expect(retryAfter(answer)).toBeGreaterThan(50);
}

describe("X-Forwarded-For and the per-address limits", () => {
  it("ignores the header from an address that is not a trusted proxy: a rotating spoofed value does not escape the limit", async () => {
    await withServer("10.0.0.0/8", async (acme, node) => {
      for (let i = 1; i <= 3; i++) expect((await nonceFrom(acme, `198.51.100.${i}`)).status).toBe(204);
      expectGlobalRefusal(await nonceFrom(acme, "198.51.100.4"), "127.0.0.1");
      expectGlobalRefusal(await nonceFrom(acme), "127.0.0.1");
      expect(await rateLimitRefusals(node)).toEqual(["global 127.0.0.1"]);
    });
  }, 180_000);

  it("believes the hop a trusted proxy saw, not an entry the client put in front, and groups IPv6 clients by /64", async () => {
    await withServer("127.0.0.1", async (acme, node) => {
      // Every forwarded client has a bucket of its own: ten clients, one request each.
      for (let i = 1; i <= 10; i++) expect((await nonceFrom(acme, `198.51.100.${i}`)).status).toBe(204);

      for (let i = 0; i < 3; i++) expect((await nonceFrom(acme, "203.0.113.7")).status).toBe(204);
      expectGlobalRefusal(await nonceFrom(acme, "203.0.113.7"), "203.0.113.7");
      // The client wrote the first entry; the proxy appended what it saw. Only the latter counts.
      expectGlobalRefusal(await nonceFrom(acme, "192.0.2.66, 203.0.113.7"), "203.0.113.7");

      for (const address of ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:abcd:ef01:2345:6789"]) expect((await nonceFrom(acme, address)).status).toBe(204);
      expectGlobalRefusal(await nonceFrom(acme, "2001:db8:1:2::99"), "2001:db8:1:2::/64");
      expect((await nonceFrom(acme, "2001:db8:1:3::1")).status).toBe(204);

      // The proxy itself, with no header, is one more client.
      expect((await nonceFrom(acme)).status).toBe(204);
      expect((await rateLimitRefusals(node)).sort()).toEqual(["global 2001:db8:1:2::/64", "global 203.0.113.7"]);
    });
  }, 180_000);
});
