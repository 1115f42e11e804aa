/**
 * The pieces of the Caddy interop scenarios that decide PASS or FAIL without running Caddy:
 * reading why Caddy could not get a certificate, which challenge the server validated, and the
 * config Caddy is started with — which must keep Caddy on loopback and on Certeasy alone.
 */
import { describe, expect, it } from "vitest";
import { caddyConfig } from "./caddy.js";
import { caddyIssuanceErrors, caddyLastProblem, validatedChallengeTypes } from "./caddy-log.js";

// As Caddy 2.6.2 logs them (JSON on stderr), shortened to the fields read.
const caddyLog = [
  '{"level":"info","ts":1796105730.96,"logger":"tls.obtain","msg":"obtaining certificate","identifier":"no-eab.caddy.test"}',
  '{"level":"error","ts":1796105730.98,"logger":"tls.obtain","msg":"could not get certificate from issuer","identifier":"no-eab.caddy.test","issuer":"localhost:40627-acme-directory","error":"HTTP 400 urn:ietf:params:acme:error:externalAccountRequired - This server requires an external account binding."}',
  '{"level":"error","ts":1796105730.98,"logger":"tls.obtain","msg":"will retry","error":"[no-eab.caddy.test] Obtain: registering account [mailto:ops@example.test] with server: request to https://localhost:40627/acme/newAccount failed after 1 attempts: HTTP 400 urn:ietf:params:acme:error:externalAccountRequired - This server requires an external account binding.","attempt":1,"retrying_in":60}',
].join("\n");

describe("Caddy's log", () => {
  it("gives the server's problem behind the last failed issuance", () => {
    expect(caddyIssuanceErrors(caddyLog)).toHaveLength(1);
    expect(caddyLastProblem(caddyLog)).toEqual({ type: "externalAccountRequired", detail: "This server requires an external account binding." });
  });

  it("finds no problem while Caddy is still obtaining, nor in lines that are not JSON", () => {
    const obtaining = caddyLog.split("\n")[0] ?? "";
    expect(caddyLastProblem(`${obtaining}\nsome plain text\n`)).toBeNull();
    expect(caddyIssuanceErrors(obtaining)).toEqual([]);
  });

  it("reads a badCSR detail whole, semicolon and all", () => {
    const line =
      '{"level":"error","logger":"tls.obtain","msg":"could not get certificate from issuer","error":"HTTP 400 urn:ietf:params:acme:error:badCSR - The CSR\'s RSA key has 2048 bits; the issuance policy requires at least 3072."}';
    expect(caddyLastProblem(line)).toEqual({ type: "badCSR", detail: "The CSR's RSA key has 2048 bits; the issuance policy requires at least 3072." });
  });

  it("reads a failed challenge's error, which Caddy gives with status 0", () => {
    const line =
      '{"level":"error","logger":"tls.obtain","msg":"could not get certificate from issuer","identifier":"127.0.0.1","error":"HTTP 0 urn:ietf:params:acme:error:incorrectResponse - Connecting to 127.0.0.1:39983 with TLS ALPN acme-tls/1 (server name 1.0.0.127.in-addr.arpa) at 127.0.0.1: the certificate\'s subjectAltName is DNS:\\\"127.0.0.1\\\", not 127.0.0.1"}';
    expect(caddyLastProblem(line)?.type).toBe("incorrectResponse");
    expect(caddyLastProblem(line)?.detail).toContain('subjectAltName is DNS:"127.0.0.1", not 127.0.0.1');
  });
});

describe("the server's log", () => {
  it("names the challenge types validated for one identifier, valid ones only", () => {
    const log = [
      '{"level":"info","msg":"challenge validated","type":"http-01","identifier":"http.caddy.test","status":"valid"}',
      '{"level":"info","msg":"challenge validated","type":"tls-alpn-01","identifier":"tls.caddy.test","status":"valid"}',
      '{"level":"info","msg":"request","method":"POST","path":"/acme/chall/x","status":200}',
    ].join("\n");
    expect(validatedChallengeTypes(log, "http.caddy.test")).toEqual(["http-01"]);
    expect(validatedChallengeTypes(log, "tls.caddy.test")).toEqual(["tls-alpn-01"]);
    expect(validatedChallengeTypes(log, "other.caddy.test")).toEqual([]);
  });
});

describe("the Caddy config", () => {
  const target = { directoryUrl: "https://localhost:18443/acme/directory", rootCaPath: "/tmp/x/root-ca.pem", http01Port: 18080, tlsAlpn01Port: 18444 };
  const config = caddyConfig(target, { name: "http.caddy.test", challenge: "http-01" }, "/tmp/x/storage");
  const text = JSON.stringify(config);

  it("listens on loopback only, on the validator's two challenge ports, without the admin endpoint", () => {
    const listens = [...text.matchAll(/"listen":\[([^\]]*)\]/g)].flatMap((match) => JSON.parse(`[${match[1] ?? ""}]`) as string[]);
    expect(listens).toEqual(["127.0.0.1:18444"]);
    expect(text).toContain('"http_port":18080');
    expect(text).toContain('"https_port":18444');
    expect(text).toContain('"admin":{"disabled":true');
  });

  it("never lets Caddy install a root of its own in the machine's trust stores", () => {
    expect(text).toContain('"local":{"install_trust":false}');
  });

  it("sends the site's name to Certeasy, trusting its root, with only the chosen challenge", () => {
    expect(text).toContain('"ca":"https://localhost:18443/acme/directory"');
    expect(text).toContain('"trusted_roots_pem_files":["/tmp/x/root-ca.pem"]');
    expect(text).toContain('"subjects":["http.caddy.test"]');
    expect(text).toContain('"tls-alpn":{"disabled":true}');
    expect(text).not.toContain('"http":{"disabled":true}');
  });
});
