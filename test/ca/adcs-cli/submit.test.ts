/** submit and poll against the fake certreq: every documented outcome, the files, the argv. */
import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { AuthorityUnavailableError, SubmissionInDoubtError, type SubmitOutcome } from "../../../src/ca/authority.js";
import { CA_NAME, TEMPLATE, type TestCa, createTestCa, issuanceRequest, withFakeAdcs } from "./fixture.js";

let ca: TestCa;
beforeAll(async () => {
  ca = await createTestCa();
});

const pemBlocks = (chain: string): string[] => chain.match(/-----BEGIN CERTIFICATE-----\n[\s\S]*?-----END CERTIFICATE-----\n/g) ?? [];

function expectKind<K extends SubmitOutcome["kind"]>(outcome: SubmitOutcome, kind: K): Extract<SubmitOutcome, { kind: K }> {
  if (outcome.kind !== kind) throw new Error(`expected ${kind}, got ${JSON.stringify(outcome)}`);
  return outcome as Extract<SubmitOutcome, { kind: K }>;
}

describe("submit: issued", () => {
  it.each(["en", "de"] as const)("returns the leaf, the chain without the root, serial and AKI (%s output)", async (language) => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("issued", language);
      const authority = fake.open();
      const issued = expectKind(await authority.submit(await issuanceRequest()), "issued").certificate;

      const leaf = new X509Certificate(issued.certificateDer);
      expect(leaf.subjectAltName).toBe("DNS:www.corp.example");
      const blocks = pemBlocks(issued.chainPem);
      expect(blocks).toHaveLength(2);
      expect(new X509Certificate(blocks[0] ?? "").fingerprint256).toBe(leaf.fingerprint256);
      expect(new X509Certificate(blocks[1] ?? "").fingerprint256).toBe(new X509Certificate(ca.issuingPem).fingerprint256);
      expect(issued.chainPem).not.toContain(ca.rootPem.split("\n")[1]);

      // The serial is the DER content octets: the same number node reads, sign octet and all.
      expect(BigInt(`0x${issued.serialHex}`)).toBe(BigInt(`0x${leaf.serialNumber}`));
      expect(issued.serialHex).toMatch(/^(00[89a-f]|[0-7])[0-9a-f]*$/);
      expect(issued.serialHex.length % 2).toBe(0);
      expect(issued.akiHex).toBe(subjectKeyIdOf(ca.issuingPem));
      expect(issued.notAfter.getTime()).toBe(new Date(leaf.validTo).getTime());
      expect(await fake.leftovers()).toEqual([]);
    });
  });

  it("runs certreq with the documented switches, the CA name and template as single arguments", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("issued");
      await fake.open().submit(await issuanceRequest({ requestKey: "order-abc" }));
      const [entry] = await fake.argv();
      expect(entry?.program).toBe("certreq");
      const argv = entry?.argv ?? [];
      expect(argv.slice(0, 6)).toEqual(["-submit", "-q", "-config", CA_NAME, "-attrib", `CertificateTemplate:${TEMPLATE}`]);
      const [csr, cer, p7b] = argv.slice(6);
      expect(argv).toHaveLength(9);
      for (const path of [csr, cer, p7b]) expect(path?.startsWith(join(fake.workdir, "adcs"))).toBe(true);
      expect(csr).toMatch(/order-abc\.csr$/);
      expect(cer).toMatch(/\.cer$/);
      expect(p7b).toMatch(/\.p7b$/);
      // The CSR certreq read was the client's, in PEM.
      const row = await fake.request("1");
      expect(String(row.csrPem)).toContain("-----BEGIN CERTIFICATE REQUEST-----");
      // <workdir>/adcs and the run's own directory are private, and so is the CSR.
      expect([row.rootMode, row.dirMode, row.csrMode]).toEqual([0o700, 0o700, 0o600]);
    });
  });

  it("passes a CA name with spaces, quotes and shell syntax through intact, never via a shell", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("issued");
      const marker = join(fake.dir, "pwned");
      const caName = `ca01.corp.example\\Corp "Issuing" CA 1 $(touch ${marker}) ; touch ${marker} | & 'x'`;
      const outcome = await fake.open({ caName }).submit(await issuanceRequest());
      expect(outcome.kind).toBe("issued");
      const [entry] = await fake.argv();
      expect(entry?.argv[3]).toBe(caName);
      expect(existsSync(marker)).toBe(false);
    });
  });

  it("completes the chain with certutil -ca.cert when certreq returns no bundle, once", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("issued-without-chain");
      const authority = fake.open();
      const first = expectKind(await authority.submit(await issuanceRequest()), "issued").certificate;
      const second = expectKind(await authority.submit(await issuanceRequest()), "issued").certificate;
      for (const issued of [first, second]) {
        expect(pemBlocks(issued.chainPem)).toHaveLength(2);
        expect(new X509Certificate(pemBlocks(issued.chainPem)[1] ?? "").fingerprint256).toBe(new X509Certificate(ca.issuingPem).fingerprint256);
      }
      const certutilRuns = (await fake.argv()).filter((entry) => entry.program === "certutil");
      expect(certutilRuns).toHaveLength(1);
      expect(certutilRuns[0]?.argv.slice(0, 3)).toEqual(["-config", CA_NAME, "-ca.cert"]);
      expect(await fake.leftovers()).toEqual([]);
    });
  });
});

describe("submit: pending, then poll", () => {
  it("passes -q: a certreq that would open a dialog without it answers", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("hang-without-q");
      expect(await fake.open({ timeoutMs: 10_000 }).submit(await issuanceRequest())).toEqual({ kind: "pending", requestId: "1" });
    });
  });

  it.each(["en", "de"] as const)("returns the RequestId, polls pending, then issued after approval (%s output)", async (language) => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("pending", language);
      const authority = fake.open();
      const pending = expectKind(await authority.submit(await issuanceRequest()), "pending");
      expect(pending.requestId).toBe("1");
      expect(await fake.leftovers()).toEqual([]);

      expect(await authority.poll("1")).toEqual({ kind: "pending", requestId: "1" });
      await fake.officer("resubmit", "1");
      const issued = expectKind(await authority.poll("1"), "issued").certificate;
      expect(new X509Certificate(issued.certificateDer).subjectAltName).toBe("DNS:www.corp.example");
      expect(pemBlocks(issued.chainPem)).toHaveLength(2);

      const retrieves = (await fake.argv()).filter((entry) => entry.argv[0] === "-retrieve");
      expect(retrieves).toHaveLength(2);
      expect(retrieves[0]?.argv.slice(0, 5)).toEqual(["-retrieve", "-q", "-config", CA_NAME, "1"]);
      expect(await fake.leftovers()).toEqual([]);
    });
  });

  it("polls a request the officer denied as denied", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("pending");
      const authority = fake.open();
      expectKind(await authority.submit(await issuanceRequest()), "pending");
      await fake.officer("deny", "1");
      const denied = expectKind(await authority.poll("1"), "denied");
      expect(denied.reason).toContain("CERTSRV_E_ADMIN_DENIED_REQUEST");
      expect(denied.reason).toContain("a certificate manager or CA administrator denied the request");
    });
  });

  it("answers an unknown request id as denied, and refuses ids that are not numbers", async () => {
    await withFakeAdcs(ca, async (fake) => {
      const authority = fake.open();
      expect(expectKind(await authority.poll("42"), "denied").reason).toContain("the CA has no such request");
      await expect(authority.poll("-config")).rejects.toThrow(/not an ADCS request id/);
      expect((await fake.argv()).filter((entry) => entry.argv.includes("-config") && entry.argv[4] === "-config")).toEqual([]);
    });
  });
});

describe("submit: denied", () => {
  it.each([
    ["denied-policy", "en", "CERTSRV_E_BAD_REQUESTSTATUS, 0x80094003", "policy module denied"],
    ["denied-keylength", "en", "CERTSRV_E_KEY_LENGTH, 0x80094811", "shorter than the certificate template's minimum"],
    ["denied-template", "en", "CERTSRV_E_UNSUPPORTED_CERT_TYPE, 0x80094800", "does not issue this certificate template"],
    ["denied-keylength", "de", "CERTSRV_E_KEY_LENGTH, 0x80094811", "shorter than the certificate template's minimum"],
  ])("%s (%s): the disposition and the decoded HRESULT", async (scenario, language, code, readable) => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario(scenario, language as "en" | "de");
      const denied = expectKind(await fake.open().submit(await issuanceRequest()), "denied");
      expect(denied.reason).toContain(code);
      expect(denied.reason).toContain(readable);
      expect(denied.reason).toMatch(language === "en" ? /the CA said: "Certificate not issued \(Denied\) Denied by Policy Module/ : /Vom Richtlinienmodul verweigert/);
      expect(denied.reason).toContain("ADCS request 1");
      expect(await fake.leftovers()).toEqual([]);
    });
  });
});

describe("submit: failures are transient", () => {
  it.each([
    ["rpc-unavailable", /RPC_S_SERVER_UNAVAILABLE, 0x800706ba/],
    ["garbage", /without a certificate, a request id or an error code/],
    ["exit-nonzero", /exited with code 3 .*something unexpected happened/],
  ])("%s throws AuthorityUnavailableError and leaves no files", async (scenario, message) => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario(scenario);
      const failure = fake.open().submit(await issuanceRequest());
      await expect(failure).rejects.toBeInstanceOf(AuthorityUnavailableError);
      await expect(failure).rejects.toThrow(message);
      expect(await fake.leftovers()).toEqual([]);
    });
  });

  it("a missing certreq is unavailable, not a crash", async () => {
    await withFakeAdcs(ca, async (fake) => {
      const failure = fake.open({ certreqPath: join(fake.dir, "no-such-certreq") }).submit(await issuanceRequest());
      await expect(failure).rejects.toBeInstanceOf(AuthorityUnavailableError);
      await expect(failure).rejects.toThrow(/could not be started \(ENOENT\)/);
    });
  });

  it("a timeout kills certreq and what it started, removes the files and throws: the submission is in doubt", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("timeout");
      const failure = fake.open({ timeoutMs: 3_000 }).submit(await issuanceRequest());
      await expect(failure).rejects.toBeInstanceOf(SubmissionInDoubtError);
      await expect(failure).rejects.toThrow(/did not finish within 3000 ms/);
      const pidFiles = readdirSync(join(fake.dir, "pids"));
      expect(pidFiles).toHaveLength(1);
      const { pids } = JSON.parse(readFileSync(join(fake.dir, "pids", pidFiles[0] ?? ""), "utf8")) as { pids: number[] };
      expect(pids).toHaveLength(2);
      for (const pid of pids) expect(await exitedEventually(pid)).toBe(true);
      expect(await fake.leftovers()).toEqual([]);
    });
  });
});

describe("submit: one request key, one certreq", () => {
  it("a concurrent submit with the same key waits for the first and gets its outcome", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("issued");
      const authority = fake.open();
      const request = await issuanceRequest();
      const [first, second] = await Promise.all([authority.submit(request), authority.submit({ ...request })]);
      expect(second).toBe(first);
      // and a later retry in this process gets it too
      expect(await authority.submit(request)).toBe(first);
      expect((await fake.argv()).filter((entry) => entry.argv[0] === "-submit")).toHaveLength(1);
    });
  });

  it("a failed submit is not remembered: the retry runs certreq again", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("rpc-unavailable");
      const authority = fake.open();
      const request = await issuanceRequest();
      await expect(authority.submit(request)).rejects.toBeInstanceOf(AuthorityUnavailableError);
      await fake.scenario("pending");
      expect((await authority.submit(request)).kind).toBe("pending");
      expect((await fake.argv()).filter((entry) => entry.argv[0] === "-submit")).toHaveLength(2);
    });
  });
});

function subjectKeyIdOf(pem: string): string {
  // SKI extension: OID 2.5.29.14 (06 03 55 1d 0e), then OCTET STRING { OCTET STRING keyId }.
  const der = new X509Certificate(pem).raw;
  const at = der.indexOf(Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0e]));
  const inner = at + 5 + 2; // skip the outer OCTET STRING tag and length
  const length = der[inner + 1] ?? 0;
  return der.subarray(inner + 2, inner + 2 + length).toString("hex");
}

/** Polls until the process is gone (or a zombie waiting for a reaper); false after ~10 s. */
async function exitedEventually(pid: number): Promise<boolean> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (!running(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return false;
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}
