/**
 * Issue 8, hostile input: generated malformed, confused and oversized requests against every
 * ACME endpoint of a real HTTPS server. The invariant for every case: never a 5xx (the server
 * configured here has no reason for a deliberate 503), never a dropped connection, always an
 * RFC 7807 problem with an ACME error type and a fresh Replay-Nonce, and — when refused —
 * nothing appended to the event log.
 *
 * `FUZZ_RUNS` scales the cases per property (default 60; `npm run test:reliability` uses more).
 * The number of cases run is printed at the end.
 */
import * as fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { b64u, hs256WithPublicKey, signedBody, type TestAccountKey } from "../acme/jws-fixtures.js";
import { startAcmeTestServer, type AcmeTestServer } from "../e2e/acme-server.js";
import { AcmeWire, problemOf, type WireRequest, type WireResponse } from "./support/acme-wire.js";
import { accountWithObjects, type AccountObjects } from "./support/acme-objects.js";

const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

let server: AcmeTestServer;
let wire: AcmeWire;
let me: AccountObjects;
let other: AccountObjects;
let casesRun = 0;

beforeAll(async () => {
  server = await startAcmeTestServer();
  wire = new AcmeWire(server);
  me = await accountWithObjects(server, wire, "me");
  other = await accountWithObjects(server, wire, "other");
}, 60_000);
afterAll(async () => {
  console.log(`hostile-requests: ${casesRun} generated requests, none answered 5xx or left a trace in the log`);
  wire?.close();
  await server?.stop();
});

/** Every POST endpoint, with `me`'s objects where it needs one. */
const endpoints = (): readonly string[] => [
  wire.url("/acme/newAccount"),
  wire.url("/acme/newOrder"),
  wire.url("/acme/revoke-cert"),
  wire.url("/acme/keyChange"),
  me.account.kid,
  `${me.account.kid}/orders`,
  me.pendingOrder,
  me.pendingFinalize,
  me.pendingAuthz,
  me.pendingChallenge,
  me.certificate,
];

/** An ES256 flattened JWS over any protected header, signed with WebCrypto directly. */
async function signedByHand(key: TestAccountKey, header: Record<string, unknown>, payload: string): Promise<string> {
  const protectedPart = b64u(header);
  const payloadPart = Buffer.from(payload).toString("base64url");
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key.privateKey, new TextEncoder().encode(`${protectedPart}.${payloadPart}`));
  return JSON.stringify({ protected: protectedPart, payload: payloadPart, signature: Buffer.from(signature).toString("base64url") });
}

/**
 * An accepted request may start background work (a challenge answered starts a validation whose
 * outcome is appended later): wait until the log stops moving, so the next case starts clean.
 */
async function settle(): Promise<void> {
  let head = await server.core.dialect.head();
  for (let quiet = 0; quiet < 5; ) {
    await new Promise((r) => setTimeout(r, 100));
    const now = await server.core.dialect.head();
    quiet = now.position === head.position ? quiet + 1 : 0;
    head = now;
  }
}

/** Validation (challenge answered) and issuance (finalize) append their outcome later. */
const startsBackgroundWork = (url: string): boolean => url === me.pendingChallenge || url === me.pendingFinalize;

/**
 * Send, then check the invariant. A refused request must leave the log where it was; an
 * accepted one (a generated payload can happen to be valid) may move it.
 */
async function sendAndCheck(req: WireRequest | (() => Promise<WireRequest>)): Promise<WireResponse> {
  const before = await server.core.dialect.head();
  const request = typeof req === "function" ? await req() : req;
  const res = { ...(await wire.send(request)), url: request.url };
  casesRun += 1;
  expect(res.status, res.body).toBeLessThan(500);
  expect(typeof res.headers["replay-nonce"], "a fresh nonce on every response").toBe("string");
  if (res.status >= 400) {
    expect(String(res.headers["content-type"])).toMatch(/^application\/problem\+json/);
    expect(problemOf(res)?.type ?? res.body).toMatch(/^urn:ietf:params:acme:error:[a-zA-Z]+$/);
    expect(await server.core.dialect.head(), `refused with ${res.status} but the log moved: ${res.body}`).toEqual(before);
  } else if (startsBackgroundWork(res.url)) {
    await settle();
  }
  return res;
}

const anyEndpoint = fc.integer({ min: 0, max: 10 }).map((i) => endpoints()[i] ?? "");

/** Deeply nested JSON arrays and objects, the shape that overflows naive recursive code. */
const nested = fc.integer({ min: 1, max: 20_000 }).chain((depth) =>
  fc.constantFrom(`${"[".repeat(depth)}${"]".repeat(depth)}`, `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
);

/** Identifier values with the unicode tricks a filter might miss. */
const trickyName = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 80 }),
  fc.constantFrom(
    "xn--80ak6aa92e.com", // punycode homograph
    "аpple.com", // Cyrillic а
    "exa\u200bmple.com", // zero width space
    "example.com\u202e", // right-to-left override
    "EXAMPLE.COM.",
    "*.*.example.com",
    "*example.com",
    "example..com",
    "-leading.example.com",
    `${"a".repeat(64)}.example.com`,
    `${"a.".repeat(130)}com`,
    "127.0.0.1",
    "::1",
    "1.2.3.4/8",
    "exa mple.com",
    "example.com\u0000.evil",
    "ｅｘａｍｐｌｅ.com", // fullwidth
  ),
);

describe("hostile requests never get a 5xx nor change state", () => {
  it("arbitrary bytes and broken JSON as the body", async () => {
    await fc.assert(
      fc.asyncProperty(anyEndpoint, fc.oneof(fc.string(), fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)), nested, fc.json()), async (url, body) => {
        await sendAndCheck({ url, body });
      }),
      { numRuns: RUNS },
    );
  });

  it("wrong content types, and bodies over the size limit", async () => {
    await fc.assert(
      fc.asyncProperty(
        anyEndpoint,
        fc.constantFrom("application/json", "text/plain", "application/jose", "multipart/form-data; boundary=x", "application/jose+json; charset=utf-16", null),
        async (url, contentType) => {
          const body = await signedBody(me.account.key, { url, kid: me.account.kid, nonce: await wire.nonce() });
          await sendAndCheck({ url, body, contentType });
        },
      ),
      { numRuns: RUNS },
    );
    const big = await sendAndCheck({ url: wire.url("/acme/newOrder"), body: JSON.stringify({ protected: "x".repeat(2_000_000), payload: "", signature: "" }) });
    expect(big.status).toBe(413);
  });

  it("flattened JWS members of the wrong type or missing", async () => {
    const member = fc.oneof(fc.constant(undefined), fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }), fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }));
    await fc.assert(
      fc.asyncProperty(anyEndpoint, member, member, member, fc.option(member), async (url, protectedPart, payload, signature, header) => {
        const jws: Record<string, unknown> = { protected: protectedPart, payload, signature };
        if (header !== null) jws.header = header;
        await sendAndCheck({ url, body: JSON.stringify(jws) });
      }),
      { numRuns: RUNS },
    );
  });

  it("protected headers that lie: alg confusion, both or neither of jwk/kid, private jwk, foreign kid, wrong url, bad nonces", async () => {
    const attack = fc.constantFrom(
      "alg-none",
      "alg-hs256",
      "alg-unknown",
      "jwk-and-kid",
      "neither",
      "jwk-private",
      "foreign-kid",
      "unknown-kid",
      "url-other-endpoint",
      "url-http",
      "url-missing",
      "nonce-missing",
      "nonce-garbage",
      "nonce-replayed",
      "crit",
    );
    await fc.assert(
      fc.asyncProperty(anyEndpoint, attack, async (url, kind) => {
        const key = me.account.key;
        const kid = me.account.kid;
        const build = async (): Promise<WireRequest> => {
          const nonce = await wire.nonce();
          switch (kind) {
            case "alg-none":
              return { url, body: JSON.stringify({ protected: b64u({ alg: "none", kid, nonce, url }), payload: "", signature: "" }) };
            case "alg-hs256":
              return { url, body: hs256WithPublicKey(key, { jwk: key.publicJwk, nonce, url }) };
            case "alg-unknown":
              return { url, body: JSON.stringify({ protected: b64u({ alg: "ES256K", kid, nonce, url }), payload: "", signature: "AAAA" }) };
            case "jwk-and-kid":
              return { url, body: await signedBody(key, { url, nonce, kid, header: { jwk: key.publicJwk } }) };
            case "neither":
              return { url, body: await signedBody(key, { url, nonce, header: { jwk: undefined } }) };
            case "jwk-private":
              return { url, body: await signedBody(key, { url, nonce, header: { jwk: key.privateJwk } }) };
            case "foreign-kid":
              return { url, body: await signedBody(key, { url, nonce, kid: other.account.kid }) };
            case "unknown-kid":
              return { url, body: await signedBody(key, { url, nonce, kid: `${kid}0` }) };
            case "url-other-endpoint":
              return { url, body: await signedBody(key, { url: wire.url("/acme/newNonce"), nonce, kid }) };
            case "url-http":
              return { url, body: await signedBody(key, { url: url.replace("https:", "http:"), nonce, kid }) };
            case "url-missing":
              return { url, body: await signedBody(key, { url, nonce, kid, header: { url: undefined } }) };
            case "nonce-missing":
              return { url, body: await signedBody(key, { url, kid }) };
            case "nonce-garbage":
              return { url, body: await signedBody(key, { url, kid, nonce: "not-a-nonce" }) };
            case "nonce-replayed": {
              // Spend the nonce on a harmless read first, then reuse it.
              await wire.send({ url: me.account.kid, body: await signedBody(key, { url: me.account.kid, kid, nonce }) });
              return { url, body: await signedBody(key, { url, kid, nonce }) };
            }
            case "crit":
              // jose refuses to sign an unknown critical extension, so sign this one by hand.
              return { url, body: await signedByHand(key, { alg: "ES256", kid, nonce, url, crit: ["exp"], exp: 1 }, "") };
          }
        };
        const res = await sendAndCheck(build);
        expect(res.status, `${kind} at ${url} was accepted: ${res.body}`).toBeGreaterThanOrEqual(400);
      }),
      { numRuns: RUNS },
    );
  });

  it("newOrder identifiers with wrong types, unicode tricks and huge values", async () => {
    const identifier = fc.oneof(
      fc.record({ type: fc.constantFrom("dns", "ip", "DNS", "email", ""), value: trickyName }),
      fc.record({ type: fc.oneof(fc.integer(), fc.constant(null)), value: fc.string() }),
      fc.record({ type: fc.constant("dns"), value: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string())) }),
      fc.constant({ type: "dns", value: "x".repeat(100_000) }),
    );
    const payload = fc.oneof(
      fc.record({ identifiers: fc.array(identifier, { minLength: 0, maxLength: 5 }) }),
      fc.record({ identifiers: fc.oneof(fc.string(), fc.integer(), fc.constant(null)) }),
      fc.record({ identifiers: fc.constant([{ type: "dns", value: "ok.me.test" }]), notBefore: fc.string(), notAfter: fc.oneof(fc.string(), fc.integer()) }),
      fc.record({ identifiers: fc.constant([{ type: "dns", value: "ok.me.test" }]), profile: fc.oneof(fc.string(), fc.integer()) }),
      fc.record({ identifiers: fc.constant([{ type: "dns", value: "ok.me.test" }]), replaces: fc.oneof(fc.string(), fc.integer()) }),
    );
    await fc.assert(
      fc.asyncProperty(payload, async (p) => {
        const url = wire.url("/acme/newOrder");
        const res = await sendAndCheck(async () => ({ url, body: await signedBody(me.account.key, { url, kid: me.account.kid, nonce: await wire.nonce(), payload: p }) }));
        if (res.status < 400) expect(res.status).toBe(201);
      }),
      { numRuns: RUNS },
    );
  });

  it("payloads of the wrong shape at every endpoint", async () => {
    const payload = fc.oneof(
      fc.json().map((j) => JSON.parse(j) as unknown),
      fc.record({ status: fc.oneof(fc.string(), fc.integer(), fc.constant("deactivated"), fc.constant("valid")) }),
      fc.record({ csr: fc.oneof(fc.base64String(), fc.string(), fc.integer()) }),
      fc.record({ certificate: fc.oneof(fc.base64String(), fc.string()), reason: fc.oneof(fc.integer({ min: -5, max: 20 }), fc.string()) }),
      fc.record({ contact: fc.array(fc.oneof(fc.string(), fc.constant("mailto:a@b"), fc.integer()), { maxLength: 4 }) }),
      fc.record({ termsOfServiceAgreed: fc.oneof(fc.boolean(), fc.string()), onlyReturnExisting: fc.oneof(fc.boolean(), fc.string()) }),
    );
    await fc.assert(
      fc.asyncProperty(anyEndpoint, payload, async (url, p) => {
        await sendAndCheck(async () => ({ url, body: await signedBody(me.account.key, { url, kid: me.account.kid, nonce: await wire.nonce(), payload: p }) }));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("the server still serves a well-behaved account afterwards", async () => {
    // `me` may have been deactivated by a generated (valid) request; `other` was never touched.
    const res = await wire.signed(other.account.key, { url: other.account.kid, kid: other.account.kid });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ status: "valid" });
  });
});
