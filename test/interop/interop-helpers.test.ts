/**
 * The pieces of `npm run interop` that decide PASS or FAIL without a client: reading the ACME
 * problem a client received, naming a certificate for ARI, and the server config the run
 * writes — which must stay a config Certeasy accepts, or every interop scenario would fail at
 * start-up for a reason unrelated to the clients.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../e2e/children.js";
import { lastAcmeError } from "./acme-errors.js";
import { parseShowAccount } from "./certbot.js";
import { dnsNames, ipAddresses, pemCertificates } from "./certificates.js";
import { interopConfigYaml } from "./config.js";
import { parseCreatedEabKey } from "./eab.js";
import { serialOctets } from "./revocation.js";
import { accountChanges } from "./server-events.js";

describe("lastAcmeError", () => {
  it("reads the problem document certbot logs, the last one winning", () => {
    const log = [
      '{"type":"urn:ietf:params:acme:error:badNonce","detail":"JWS has an invalid anti-replay nonce.","status":400}',
      "2026-11-30 11:45:04,866:DEBUG:certbot._internal.log:Exiting abnormally:",
      '{"type":"urn:ietf:params:acme:error:badCSR","detail":"The CSR\'s RSA key has 2048 bits; the issuance policy requires at least 3072.","status":400}',
      "AttributeError: can't set attribute",
    ].join("\n");
    expect(lastAcmeError(log)).toEqual({ type: "badCSR", detail: "The CSR's RSA key has 2048 bits; the issuance policy requires at least 3072." });
  });

  it("reads the error line lego prints", () => {
    const output =
      "2026/11/30 11:51:11 Could not obtain certificates:\n\tacme: error: 400 :: POST :: https://localhost:1/acme/order/x/finalize :: urn:ietf:params:acme:error:badCSR :: The CSR's RSA key has 2048 bits; the issuance policy requires at least 3072.\n";
    expect(lastAcmeError(output)).toEqual({ type: "badCSR", detail: "The CSR's RSA key has 2048 bits; the issuance policy requires at least 3072." });
  });

  it("reads the problem document dehydrated prints as received", () => {
    const output = [
      "  + ERROR: An error occurred while sending post-request to https://localhost:1/acme/newOrder (Status 403)",
      "Details:",
      "content-type: application/problem+json",
      '{"type":"urn:ietf:params:acme:error:unauthorized","detail":"The account is deactivated.","status":403}',
    ].join("\n");
    expect(lastAcmeError(output)).toEqual({ type: "unauthorized", detail: "The account is deactivated." });
  });

  it("reads the indented problem document uacme prints, after the JSON of earlier answers", () => {
    const output = [
      "uacme: acme_post: return code 200, json=",
      "{",
      '    "status": "valid",',
      '    "contact": [',
      "    ]",
      "}",
      "uacme: failed to finalize order at https://localhost:1/acme/order/x/finalize",
      "uacme: the server reported the following error:",
      "{",
      '    "type": "urn:ietf:params:acme:error:badCSR",',
      '    "detail": "The CSR\'s RSA key has 2048 bits; the issuance policy requires at least 3072.",',
      '    "status": 400',
      "}",
    ].join("\n");
    expect(lastAcmeError(output)).toEqual({ type: "badCSR", detail: "The CSR's RSA key has 2048 bits; the issuance policy requires at least 3072." });
  });

  it("skips indented objects that are not ACME problems, and a stray brace before a problem", () => {
    const output = ["{", '    "type": "http-01",', '    "status": "valid"', "}", "{ not json", "{", '   "type" : "urn:ietf:params:acme:error:unauthorized",', '   "detail" : "The account is deactivated."', "}"].join("\n");
    expect(lastAcmeError(output)).toEqual({ type: "unauthorized", detail: "The account is deactivated." });
    expect(lastAcmeError(["{", '    "type": "http-01"', "}"].join("\n"))).toBeNull();
  });

  it("finds nothing in output without a problem", () => {
    expect(lastAcmeError("Successfully received certificate.\n")).toBeNull();
  });
});

describe("certificate helpers", () => {
  it("gives the serial's DER content octets: a 00 before a top bit, no other leading zero (RFC 9773 §4.1)", () => {
    expect(serialOctets("7FAB").toString("hex")).toBe("7fab");
    expect(serialOctets("85AB").toString("hex")).toBe("0085ab");
    expect(serialOctets("00000085AB").toString("hex")).toBe("0085ab");
    expect(serialOctets("5AB").toString("hex")).toBe("05ab");
  });

  it("reads dNSName entries only, lower-cased and sorted", () => {
    expect(dnsNames("DNS:www.Example.test, IP Address:127.0.0.1, DNS:*.example.test")).toEqual(["*.example.test", "www.example.test"]);
    expect(dnsNames(undefined)).toEqual([]);
  });

  it("reads iPAddress entries only (RFC 8738 identifiers)", () => {
    expect(ipAddresses("DNS:a.test, IP Address:127.0.0.2, IP Address:127.0.0.1")).toEqual(["127.0.0.1", "127.0.0.2"]);
    expect(ipAddresses("DNS:a.test")).toEqual([]);
  });

  it("splits a PEM bundle into its certificates", () => {
    const block = (body: string): string => `-----BEGIN CERTIFICATE-----\n${body}\n-----END CERTIFICATE-----`;
    expect(pemCertificates(`${block("AAAA")}\n\n${block("BBBB")}\n`)).toEqual([`${block("AAAA")}\n`, `${block("BBBB")}\n`]);
  });
});

describe("parseCreatedEabKey", () => {
  it("reads the key id and HMAC key from `certeasy eab create`'s answer", () => {
    const stdout = "Created EAB key kid-1.\n\n  key id:    kid-1\n  HMAC key:  c2VjcmV0LWhtYWMta2V5\n  names:     any\n";
    expect(parseCreatedEabKey(stdout)).toEqual({ keyId: "kid-1", hmacKey: "c2VjcmV0LWhtYWMta2V5" });
    expect(parseCreatedEabKey("certeasy: no such command\n")).toBeNull();
  });
});

describe("the interop server's config", () => {
  it("is accepted by `certeasy validate` for both EAB settings", async () => {
    const directory = await mkdtemp(join(tmpdir(), "certeasy-interop-config-"));
    try {
      const ports = { acme: 18443, http01: 18080, tlsAlpn01: 18444, dns: 18053, dnsManagement: 18055 };
      for (const externalAccountBinding of ["optional", "required"] as const) {
        const configPath = join(directory, `${externalAccountBinding}.yml`);
        await writeFile(configPath, interopConfigYaml({ workdir: join(directory, "workdir"), ports, externalAccountBinding }));
        const result = await runCli(["validate", "-f", configPath]);
        expect(result.stdout + result.stderr).toContain("configuration is valid");
        expect(result.code).toBe(0);
      }
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

describe("accountChanges", () => {
  it("follows one account's stream: registered, updated contact, deactivated", () => {
    const event = (sid: string, type: string, data: object): string => JSON.stringify({ at: "2026-12-02T03:00:00.000Z", data, sid, sv: 1, type, v: 1 });
    const exported = [
      event("account:01a", "acme.account.registered", { accountId: "01a", contact: ["mailto:old@example.test"], thumbprint: "T1" }),
      event("account:01b", "acme.account.updated", { contact: ["mailto:other@example.test"] }),
      event("order:01c", "acme.order.created", { accountId: "01a" }),
      event("account:01a", "acme.account.updated", { contact: ["mailto:new@example.test"] }),
      event("account:01a", "acme.account.deactivated", {}),
      "",
    ].join("\n");
    expect(accountChanges(exported, "01a")).toEqual([
      { kind: "registered", contact: ["mailto:old@example.test"] },
      { kind: "updated", contact: ["mailto:new@example.test"] },
      { kind: "deactivated", contact: null },
    ]);
    expect(accountChanges(exported, "01z")).toEqual([]);
  });
});

describe("parseShowAccount", () => {
  it("reads certbot 2.1's show_account: the account id from the URL, the mail contacts", () => {
    const one = "Account details for server https://localhost:8443/directory:\n  Account URL: https://localhost:8443/acme/acct/0193a-b\n  Email contact: security@example.test\n";
    expect(parseShowAccount(one)).toEqual({ accountId: "0193a-b", emails: "security@example.test" });
    expect(parseShowAccount("  Account URL: https://x.test/acme/acct/7\n  Email contacts: a@x.test, b@x.test\n")).toEqual({ accountId: "7", emails: "a@x.test, b@x.test" });
    expect(parseShowAccount("  Account URL: https://x.test/acme/acct/7\n  Email contact: none\n")?.emails).toBe("none");
    expect(parseShowAccount("Could not find an existing account for server https://x.test/directory.")).toBeNull();
  });
});
