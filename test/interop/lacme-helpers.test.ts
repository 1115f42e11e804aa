/**
 * The pieces of the lacme interop scenarios that decide PASS or FAIL without running lacme: the
 * config files it is started with — which must keep it on the run's server, its root CA and
 * loopback — and what it prints (the account object, the tokens its webserver served, the
 * problem document under --debug).
 */
import { describe, expect, it } from "vitest";
import { lastAcmeError } from "./acme-errors.js";
import { accountdConfig, certsConfig, keyGenArgs, lacmeConfig, parseAccountObject, servedChallenges, type CertSection } from "./lacme-config.js";

const base = {
  directoryUrl: "https://localhost:40000/acme/directory",
  rootCaPath: "/tmp/run/server/root-ca.pem",
  accountdConfigPath: "/tmp/run/lacme-accountd.conf",
  certsConfigPath: "/tmp/run/lacme-certs.conf",
} as const;

/** Config::Tiny's reading of an INI text: section → key → value (`_` for the root section). */
function readIni(text: string): Record<string, Record<string, string>> {
  const sections: Record<string, Record<string, string>> = { _: {} };
  let current = "_";
  for (const line of text.split("\n")) {
    const section = /^\s*\[\s*(.+?)\s*\]\s*$/.exec(line);
    if (section) sections[(current = section[1] ?? "")] = {};
    const setting = /^\s*([^=]+?)\s*=\s*(.*?)\s*$/.exec(line);
    if (!section && setting) (sections[current] ??= {})[setting[1] ?? ""] = setting[2] ?? "";
  }
  return sections;
}

describe("lacme.conf", () => {
  it("points lacme at the run's server, trusting its root alone, with its webserver on loopback", () => {
    const ini = readIni(lacmeConfig({ ...base, serving: { listen: "127.0.0.1:5002" } }));
    expect(ini._).toEqual({ "config-certs": base.certsConfigPath });
    expect(ini.client).toEqual({
      server: base.directoryUrl,
      command: `/usr/bin/env PERL_LWP_SSL_CA_FILE=${base.rootCaPath} /usr/libexec/lacme/client`,
      user: "",
      group: "",
    });
    expect(ini.webserver).toEqual({ listen: "127.0.0.1:5002", user: "", group: "" });
    expect(ini.accountd).toEqual({ config: base.accountdConfigPath });
  });

  it("with a challenge directory, leaves listen empty so that lacme starts no webserver", () => {
    const ini = readIni(lacmeConfig({ ...base, serving: { challengeDirectory: "/tmp/run/webroot" } }));
    expect(ini.webserver).toEqual({ listen: "", "challenge-directory": "/tmp/run/webroot", user: "", group: "" });
  });

  it("refuses values lacme would read otherwise: a blank in a command word, a % specifier, a newline", () => {
    expect(() => lacmeConfig({ ...base, rootCaPath: "/tmp/my run/root.pem", serving: { listen: "127.0.0.1:1" } })).toThrow(/split or lost on blanks/);
    expect(() => lacmeConfig({ ...base, certsConfigPath: "/tmp/%t/certs.conf", serving: { listen: "127.0.0.1:1" } })).toThrow(/config-certs/);
    expect(() => accountdConfig("/tmp/a\nprivkey = file:/etc/other.key")).toThrow(/privkey/);
  });
});

describe("lacme-accountd.conf and lacme-certs.conf", () => {
  it("names the account key as a file", () => {
    expect(readIni(accountdConfig("/tmp/run/account.key"))._).toEqual({ privkey: "file:/tmp/run/account.key" });
  });

  it("writes one section per certificate, the first name as CN and every name as a DNS SAN", () => {
    const sections: CertSection[] = [
      { name: "ecdsa", names: ["a.test", "www.a.test"], keyPath: "/k/ecdsa.key", certificatePath: "/k/ecdsa.crt", chainPath: "/k/ecdsa.chain.crt" },
      { name: "staple", names: ["s.test"], keyPath: "/k/s.key", certificatePath: "/k/s.crt", chainPath: "/k/s.chain.crt", tlsfeature: "status_request" },
    ];
    const ini = readIni(certsConfig("/tmp/run/root-ca.pem", sections));
    expect(ini._).toEqual({ CAfile: "/tmp/run/root-ca.pem" });
    expect(ini.ecdsa).toEqual({
      "certificate-key": "/k/ecdsa.key",
      certificate: "/k/ecdsa.crt",
      "certificate-chain": "/k/ecdsa.chain.crt",
      subject: "/CN=a.test",
      subjectAltName: "DNS:a.test,DNS:www.a.test",
    });
    expect(ini.staple?.tlsfeature).toBe("status_request");
  });

  it("refuses a section without a name to request", () => {
    expect(() => certsConfig("/ca.pem", [{ name: "none", names: [], keyPath: "/k", certificatePath: "/c", chainPath: "/d" }])).toThrow(/names nothing/);
  });

  it("makes keys with openssl genpkey as lacme's manual does", () => {
    expect(keyGenArgs("/k.key", { type: "ec", curve: "P-256" })).toEqual(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-pkeyopt", "ec_param_enc:named_curve", "-out", "/k.key"]);
    expect(keyGenArgs("/k.key", { type: "rsa", bits: 3072 })).toEqual(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:3072", "-out", "/k.key"]);
  });
});

describe("what lacme prints", () => {
  it("reads the account object from stdout, and nothing from other output", () => {
    const stdout = '{"status":"valid","contact":["mailto:ops@example.test"],"orders":"https://localhost:1/acme/acct/x/orders"}\n';
    expect(parseAccountObject(stdout)).toMatchObject({ status: "valid", contact: ["mailto:ops@example.test"] });
    expect(parseAccountObject("")).toBeNull();
    expect(parseAccountObject("[1]")).toBeNull();
    expect(parseAccountObject("{not json")).toBeNull();
  });

  it("finds the tokens its webserver served, also where its line starts inside the client's JSON", () => {
    // As lacme 0.8.2 --debug wrote it: the client's JSON has no newline, the webserver's line follows.
    const stderr = [
      '{"type":"http-01","status":"processing","token":"eTdZ0oz"}[15400] Incoming connection from [127.0.0.1]: GET /.well-known/acme-challenge/eTdZ0oz HTTP/1.1[15401] SIGNED header=base64url({"alg":"RS256"}) playload=base64url()',
      "[15402] >>> [15400] Incoming connection from [127.0.0.1]: GET /.well-known/acme-challenge/V09I-Yx_q HTTP/1.1",
      "[15400] Incoming connection from [127.0.0.1]: GET /favicon.ico HTTP/1.1",
    ].join("\n");
    expect(servedChallenges(stderr)).toEqual(["eTdZ0oz", "V09I-Yx_q"]);
  });

  it("gives the problem document lacme --debug prints, members sorted and indented by three", () => {
    const stderr = [
      "Replay-Nonce: AAAAAAAeAaIyDcA7D0c-WDggUbDP6JUQgiYbNw",
      "{",
      '   "detail" : "The CSR\'s RSA key has 2048 bits; the issuance policy requires at least 3072.",',
      '   "status" : 400,',
      '   "type" : "urn:ietf:params:acme:error:badCSR"',
      "}",
      "",
      "400 Bad Request (The CSR's RSA key has 2048 bits; the issuance policy requires at least 3072.)",
      "[rsa2048] Error: Couldn't issue X.509 certificate!",
    ].join("\n");
    expect(lastAcmeError(stderr)).toEqual({ type: "badCSR", detail: "The CSR's RSA key has 2048 bits; the issuance policy requires at least 3072." });
  });
});
