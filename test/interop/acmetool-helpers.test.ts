/**
 * The pieces of the acmetool interop scenarios that decide PASS or FAIL without running
 * acmetool: the files it is given (YAML it must read as meant, written as JSON), what it prints
 * (thumbprints, the server's problem in its own rendering), what its live-updated hook got, and
 * the account the server recorded.
 */
import { describe, expect, it } from "vitest";
import { lastAcmeError } from "./acme-errors.js";
import { acmetoolKey, liveUpdatedNames, parseAccountThumbprints, quickstartResponses, targetFile } from "./acmetool-config.js";
import { registeredAccount } from "./server-events.js";

describe("acmetool's key settings", () => {
  it("names the curves and RSA sizes the way its target files do", () => {
    expect(acmetoolKey({ type: "ec", curve: "prime256v1" })).toEqual({ type: "ecdsa", "ecdsa-curve": "nistp256" });
    expect(acmetoolKey({ type: "ec", curve: "secp384r1" })).toEqual({ type: "ecdsa", "ecdsa-curve": "nistp384" });
    expect(acmetoolKey({ type: "rsa", bits: 3072 })).toEqual({ type: "rsa", "rsa-size": 3072 });
  });

  it("refuses Ed25519, which acmetool 0.2.2 cannot make", () => {
    expect(() => acmetoolKey({ type: "ed25519" })).toThrow(/RSA and ECDSA/);
  });
});

describe("the quickstart response file", () => {
  const text = quickstartResponses({
    directoryUrl: "https://localhost:18443/acme/directory",
    webrootPath: "/tmp/x/www/.well-known/acme-challenge",
    email: "ops@example.test",
    key: { type: "ec", curve: "prime256v1" },
  });
  const responses = JSON.parse(text) as Record<string, unknown>;

  it("answers the server question with Certeasy's URL, not one of acmetool's listed servers", () => {
    expect(responses["acmetool-quickstart-choose-server"]).toBe("url");
    expect(responses["acmetool-quickstart-enter-directory-url"]).toBe("https://localhost:18443/acme/directory");
  });

  it("chooses webroot mode, the key and the contact", () => {
    expect(responses).toMatchObject({
      "acmetool-quickstart-choose-method": "webroot",
      "acmetool-quickstart-webroot-path": "/tmp/x/www/.well-known/acme-challenge",
      "acmetool-quickstart-key-type": "ecdsa",
      "acmetool-quickstart-ecdsa-curve": "nistp256",
      "acme-enter-email": "ops@example.test",
    });
    expect(responses).not.toHaveProperty("acmetool-quickstart-rsa-key-size");
  });

  it("declines the cron job and the combined-PEM hook, which would be written outside the state folder", () => {
    expect(responses["acmetool-quickstart-install-cronjob"]).toBe(false);
    expect(responses["acmetool-quickstart-install-haproxy-script"]).toBe(false);
  });

  it("gives an RSA size as the line of text the question reads", () => {
    const rsa = JSON.parse(quickstartResponses({ directoryUrl: "https://a.test/d", webrootPath: "/w", email: "e@a.test", key: { type: "rsa", bits: 4096 } })) as Record<string, unknown>;
    expect(rsa["acmetool-quickstart-key-type"]).toBe("rsa");
    expect(rsa["acmetool-quickstart-rsa-key-size"]).toBe("4096");
    expect(rsa).not.toHaveProperty("acmetool-quickstart-ecdsa-curve");
  });
});

describe("a desired target file", () => {
  it("asks for the names, the key, and no http-01 self-test (port 80, the machine's resolver)", () => {
    const target = JSON.parse(targetFile({ names: ["a.test", "*.b.test"], key: { type: "ec", curve: "prime256v1" } })) as unknown;
    expect(target).toEqual({
      satisfy: { names: ["a.test", "*.b.test"] },
      request: { key: { type: "ecdsa", "ecdsa-curve": "nistp256" }, challenge: { "http-self-test": false } },
    });
  });

  it("can require an RSA certificate and Must-Staple", () => {
    const target = JSON.parse(targetFile({ names: ["a.test"], key: { type: "rsa", bits: 2048 }, satisfyKeyType: "rsa", ocspMustStaple: true })) as unknown;
    expect(target).toEqual({
      satisfy: { names: ["a.test"], key: { type: "rsa" } },
      request: { key: { type: "rsa", "rsa-size": 2048 }, "ocsp-must-staple": true, challenge: { "http-self-test": false } },
    });
  });
});

describe("what acmetool prints", () => {
  it("reads account-thumbprint's <thumbprint> TAB <account ID> lines", () => {
    const stdout = "qhUzJAt2pyCt0a1UFAqfqpE_ztn4gqzZobS7zz-7rLM\tlocalhost%3a41193%2facme%2fdirectory/sycmlv5bbdgbtu3geizjqoyvgfjxbwqdjdnlesjwplbanqloskeq\n";
    expect(parseAccountThumbprints(stdout)).toEqual([
      { thumbprint: "qhUzJAt2pyCt0a1UFAqfqpE_ztn4gqzZobS7zz-7rLM", accountId: "localhost%3a41193%2facme%2fdirectory/sycmlv5bbdgbtu3geizjqoyvgfjxbwqdjdnlesjwplbanqloskeq" },
    ]);
    expect(parseAccountThumbprints("20261201 [NOTICE] nothing here\n")).toEqual([]);
  });

  it("reads the server's problem from acmetool's own rendering, the last one winning", () => {
    const output = [
      '20261201144221 [ERROR] acmetool.storageops: Target(a.test;https://localhost:1/acme/directory;0): failed to request certificate: HTTP error: 400 Bad Request',
      '(problem (type "urn:ietf:params:acme:error:badNonce") (instance "") (id <nil>) (title ""): (detail "JWS has an invalid anti-replay nonce."))',
      "20261201144221 [CRITICAL] acmetool: fatal: reconcile: the following errors occurred:",
      'error satisfying Target(a.test;https://localhost:1/acme/directory;0): HTTP error: 400 Bad Request',
      '(problem (type "urn:ietf:params:acme:error:badCSR") (instance "") (id <nil>) (title ""): (detail "The CSR\'s RSA key has 2048 bits; the issuance policy requires at least 3072."))',
    ].join("\n");
    expect(lastAcmeError(output)).toEqual({ type: "badCSR", detail: "The CSR's RSA key has 2048 bits; the issuance policy requires at least 3072." });
  });

  it("unquotes a detail Go's %q escaped", () => {
    const output = '(problem (type "urn:ietf:params:acme:error:incorrectResponse") (instance "") (id <nil>) (title ""): (detail "got \\"x\\"\\tthen \\\\"))';
    expect(lastAcmeError(output)).toEqual({ type: "incorrectResponse", detail: 'got "x"\tthen \\' });
  });

  it("gives the names live-updated got, each once", () => {
    expect(liveUpdatedNames("*.wild.a.test\na.test\n\na.test\nwww.a.test\n")).toEqual(["*.wild.a.test", "a.test", "www.a.test"]);
    expect(liveUpdatedNames("")).toEqual([]);
  });
});

describe("the account the server recorded", () => {
  const exported = [
    '{"at":"2026-12-01T14:40:50.521Z","data":{"accountId":"01a-other","contact":[],"thumbprint":"VU-Hgaf868xeW6v_oJr2CpkEtd0_Zxiun2toOdEWir4"},"type":"acme.account.registered","v":1}',
    '{"at":"2026-12-01T14:41:36.127Z","data":{"accountId":"01a-mine","contact":["mailto:ops@example.test"],"thumbprint":"qhUzJAt2pyCt0a1UFAqfqpE_ztn4gqzZobS7zz-7rLM"},"type":"acme.account.registered","v":1}',
    '{"at":"2026-12-01T14:41:37.000Z","data":{"accountId":"01a-mine","thumbprint":"qhUzJAt2pyCt0a1UFAqfqpE_ztn4gqzZobS7zz-7rLM"},"type":"acme.order.created","v":1}',
  ].join("\n");

  it("is found by its key's thumbprint, with its contact", () => {
    expect(registeredAccount(exported, "qhUzJAt2pyCt0a1UFAqfqpE_ztn4gqzZobS7zz-7rLM")).toEqual({ accountId: "01a-mine", contact: ["mailto:ops@example.test"] });
  });

  it("is null for a key the server never registered", () => {
    expect(registeredAccount(exported, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).toBeNull();
  });
});
