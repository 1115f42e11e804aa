/**
 * The pieces of the acme-tiny interop scenarios that decide PASS or FAIL without running
 * acme-tiny: the server's problem read back from its Python error message (a dict repr, not
 * JSON), the account line it logs, the hosts file its self-check resolves through, the key
 * thumbprint the server's events are matched by, and its traceback when no http-01 is offered.
 * The outputs are acme-tiny 5.0.1's as captured in an interop run (the JWS on the `Data:` line
 * cut short) or, where marked, printed by Python 3.11 itself.
 */
import { createPublicKey } from "node:crypto";
import { describe, expect, it } from "vitest";
import { lastAcmeError } from "./acme-errors.js";
import { hostsFile, parseAccountLine, stoppedForWantOfHttp01 } from "./acme-tiny.js";
import { rsaThumbprint } from "./server-events.js";
import { readPythonLiteral } from "./python-literal.js";
import { registeredAccounts } from "./server-events.js";

const TRACEBACK_HEAD = [
  "Traceback (most recent call last):",
  '  File "/usr/bin/acme-tiny", line 33, in <module>',
  "    sys.exit(load_entry_point('acme-tiny==5.0.1', 'console_scripts', 'acme-tiny')())",
  '  File "/usr/lib/python3/dist-packages/acme_tiny.py", line 195, in main',
  "    signed_crt = get_crt(args.account_key, args.csr, args.acme_dir, log=LOGGER, CA=args.ca, disable_check=args.disable_check, directory_url=args.directory_url, contact=args.contact, check_port=args.check_port)",
];

/** acme-tiny's ValueError for a refused request, as it ends its stderr. */
function refusal(what: string, url: string, code: number, response: string): string {
  return [
    ...TRACEBACK_HEAD,
    '    raise ValueError("{0}:\\nUrl: {1}\\nData: {2}\\nResponse Code: {3}\\nResponse: {4}".format(err_msg, url, data, code, resp_data))',
    `ValueError: ${what}:`,
    `Url: ${url}`,
    `Data: b'{"protected": "eyJ1cmwiOiAiaHR0cHM6Ly9sb2NhbGhvc3Q6MzgwMjEv", "payload": "eyJjc3IiOiAiTUlJRFlUQ0NBY2tDQVFB", "signature": "c2ln"}'`,
    `Response Code: ${code}`,
    `Response: ${response}`,
    "",
  ].join("\n");
}

describe("the server's problem in acme-tiny's error", () => {
  it("reads a detail Python double-quoted because it holds a single quote", () => {
    const stderr = refusal(
      "Error finalizing order",
      "https://localhost:38021/acme/order/01a2339a-dd37-7fcb-bce4-33aa91beead5/finalize",
      400,
      `{'type': 'urn:ietf:params:acme:error:badCSR', 'detail': "The CSR has no extensionRequest attribute, so no subjectAltName; RFC 8555 §7.4 requires the order's identifiers there.", 'status': 400}`,
    );
    expect(lastAcmeError(stderr)).toEqual({
      type: "badCSR",
      detail: "The CSR has no extensionRequest attribute, so no subjectAltName; RFC 8555 §7.4 requires the order's identifiers there.",
    });
  });

  it("reads the RSA 2048 refusal and the EAB-required one", () => {
    const badCsr = refusal(
      "Error finalizing order",
      "https://localhost:38021/acme/order/01a2339a-e12b-74b9-a98b-2cf011d7ed29/finalize",
      400,
      `{'type': 'urn:ietf:params:acme:error:badCSR', 'detail': "The CSR's RSA key has 2048 bits; the issuance policy requires at least 3072.", 'status': 400}`,
    );
    expect(lastAcmeError(badCsr)).toEqual({ type: "badCSR", detail: "The CSR's RSA key has 2048 bits; the issuance policy requires at least 3072." });
    const eab = refusal(
      "Error registering",
      "https://localhost:35703/acme/newAccount",
      400,
      `{'type': 'urn:ietf:params:acme:error:externalAccountRequired', 'detail': 'This server requires an external account binding.', 'status': 400}`,
    );
    expect(lastAcmeError(eab)).toEqual({ type: "externalAccountRequired", detail: "This server requires an external account binding." });
  });

  it("finds the problem of a failed challenge inside the authorization it prints (Python's own repr)", () => {
    const stderr = `ValueError: Challenge did not pass for a.test: {'identifier': {'type': 'dns', 'value': 'a.test'}, 'status': 'invalid', 'expires': '2026-12-08T21:00:00Z', 'challenges': [{'type': 'http-01', 'url': 'https://localhost:1/acme/chall/1', 'status': 'invalid', 'token': 'tok', 'error': {'type': 'urn:ietf:params:acme:error:connection', 'detail': 'Fetching http://a.test:5002/.well-known/acme-challenge/tok: connection refused\\né\\\\', 'status': 400}}]}\n`;
    expect(lastAcmeError(stderr)).toEqual({ type: "connection", detail: "Fetching http://a.test:5002/.well-known/acme-challenge/tok: connection refused\né\\" });
  });

  it("finds nothing in a traceback that carries no problem, nor in a dict that is not one", () => {
    expect(lastAcmeError(`${TRACEBACK_HEAD.join("\n")}\nIndexError: list index out of range\n`)).toBeNull();
    expect(lastAcmeError("Response: {'type': 'dns', 'detail': 'x'}\n")).toBeNull();
    expect(lastAcmeError("Response: {'type': 'urn:ietf:params:acme:error:badCSR', 'detail': 'cut\n")).toBeNull();
  });
});

describe("Python literals", () => {
  it("reads what repr() prints (Python's own repr)", () => {
    const literal = "{'a': [1, -2.5, True, False, None], 'b': {}, 'c': [], 'd': 'x\\ty\\x01\\u2028😀'}";
    expect(readPythonLiteral(`${literal} trailing`)).toEqual({ value: { a: [1, -2.5, true, false, null], b: {}, c: [], d: "x\ty\x01\u2028😀" }, end: literal.length });
  });

  it("is null for JSON's words, an unclosed string or dict, and an escape naming no code point", () => {
    expect(readPythonLiteral('{"a": true}')).toBeNull();
    expect(readPythonLiteral("{'a': 'b")).toBeNull();
    expect(readPythonLiteral("{'a': 'b'")).toBeNull();
    expect(readPythonLiteral("'\\U00110000'")).toBeNull();
  });
});

describe("acme-tiny's log and set-up", () => {
  it("reads whether newAccount made an account or found the key's", () => {
    const url = "https://localhost:38021/acme/acct/01a2339a-ccf0-7013-a0eb-627496e09cfd";
    expect(parseAccountLine(`Registering account...\nRegistered! Account ID: ${url}\nUpdated contact details:\n`)).toEqual({ created: true, url });
    expect(parseAccountLine(`Registering account...\nAlready registered! Account ID: ${url}\nCreating new order...\n`)).toEqual({ created: false, url });
    expect(parseAccountLine("Registering account...\nTraceback (most recent call last):\n")).toBeNull();
  });

  it("resolves localhost and the scenario's names to IPv4 loopback only", () => {
    expect(hostsFile(["a.test", "www.a.test"])).toBe("127.0.0.1\tlocalhost\n127.0.0.1\ta.test\n127.0.0.1\twww.a.test\n");
  });

  it("computes RFC 7638's example thumbprint (§3.1)", () => {
    const n =
      "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
    const pem = createPublicKey({ key: { kty: "RSA", n, e: "AQAB" }, format: "jwk" }).export({ type: "spki", format: "pem" }).toString();
    expect(rsaThumbprint(pem)).toBe("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  });

  it("tells the traceback of an authorization without http-01 from other failures", () => {
    const wildcard = [
      "Verifying wild.acme-tiny.test...",
      ...TRACEBACK_HEAD,
      '  File "/usr/lib/python3/dist-packages/acme_tiny.py", line 135, in get_crt',
      "    challenge = [c for c in authorization['challenges'] if c['type'] == \"http-01\"][0]",
      "                ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~^^^",
      "IndexError: list index out of range",
      "",
    ].join("\n");
    expect(stoppedForWantOfHttp01(wildcard)).toBe(true);
    expect(stoppedForWantOfHttp01(refusal("Error registering", "https://localhost:1/acme/newAccount", 400, "{'type': 'urn:ietf:params:acme:error:malformed', 'detail': 'x', 'status': 400}"))).toBe(false);
    expect(stoppedForWantOfHttp01(`${TRACEBACK_HEAD.join("\n")}\nIndexError: list index out of range\n`)).toBe(false);
  });
});

describe("the accounts the server recorded for a key", () => {
  it("lists every registration of the key, so a second one shows", () => {
    const event = (accountId: string, thumbprint: string): string =>
      JSON.stringify({ at: "2026-12-01T21:53:40.538Z", data: { accountId, contact: [], thumbprint }, type: "acme.account.registered", v: 1 });
    const exported = [event("01a-first", "T1"), event("01a-other", "T2"), event("01a-second", "T1"), ""].join("\n");
    expect(registeredAccounts(exported, "T1").map((account) => account.accountId)).toEqual(["01a-first", "01a-second"]);
    expect(registeredAccounts(exported, "T3")).toEqual([]);
  });
});
