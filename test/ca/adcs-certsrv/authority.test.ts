/**
 * The adcs-certsrv authority against the fake Web Enrollment site: what an operator sees for
 * each thing an ADCS can answer — issued, held for approval then issued or denied, denied at
 * once, the wrong password, a site that never answers, an untrusted certificate, a page that
 * means nothing.
 */
import { X509Certificate } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AdcsCertsrvAuthorityOptions, openAdcsCertsrvAuthority } from "../../../src/ca/adcs-certsrv/index.js";
import { AdcsConfigError } from "../../../src/ca/adcs-cli/errors.js";
import { AuthorityUnavailableError, RevocationUnsupportedError, SubmissionInDoubtError } from "../../../src/ca/authority.js";
import { type TestCa, createTestCa, issuanceRequest } from "../adcs-cli/fixture.js";
import { FAKE_PASSWORD, FAKE_TEMPLATE, FAKE_USER, type FakeCertsrv, type FakeCertsrvOptions, startFakeCertsrv } from "./fake-certsrv.js";

let ca: TestCa;
let dir: string;
beforeAll(async () => {
  ca = await createTestCa();
  dir = await mkdtemp(join(tmpdir(), "certeasy-certsrv-"));
  await writeFile(join(dir, "password"), `${FAKE_PASSWORD}\n`, { mode: 0o600 });
  await writeFile(join(dir, "wrong-password"), "not-the-password\n", { mode: 0o600 });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withCertsrv(
  fakeOptions: FakeCertsrvOptions,
  run: (fake: FakeCertsrv, open: (overrides?: Partial<AdcsCertsrvAuthorityOptions>) => ReturnType<typeof openAdcsCertsrvAuthority>) => Promise<void>,
): Promise<void> {
  const fake = await startFakeCertsrv(ca, fakeOptions);
  const bundle = join(dir, `site-${Date.now()}-${Math.random()}.pem`);
  await writeFile(bundle, fake.tlsCertificatePem);
  try {
    await run(fake, (overrides) =>
      openAdcsCertsrvAuthority({
        name: "corp-certsrv",
        url: fake.url,
        template: FAKE_TEMPLATE,
        auth: fakeOptions.auth,
        username: FAKE_USER,
        password: { kind: "file", path: join(dir, "password") },
        caBundle: bundle,
        timeoutMs: 10_000,
        now: () => new Date(),
        ...overrides,
      }),
    );
  } finally {
    await fake.close();
  }
}

const leafOf = (chainPem: string) => new X509Certificate(chainPem.split(/(?<=-----END CERTIFICATE-----\n)/)[0] ?? "");

describe.each(["ntlm", "basic"] as const)("issuance with %s authentication", (auth) => {
  it("posts the CSR with the template as the Web Enrollment form does and returns the certificate with its CA", async () => {
    await withCertsrv({ auth }, async (fake, open) => {
      const authority = await open();
      const outcome = await authority.submit(await issuanceRequest());
      expect(outcome.kind).toBe("issued");
      if (outcome.kind !== "issued") return;
      const chain = outcome.certificate.chainPem.match(/-----BEGIN CERTIFICATE-----/g) ?? [];
      // Leaf and issuing CA; the self-signed root is left to the client's trust store.
      expect(chain).toHaveLength(2);
      const leaf = leafOf(outcome.certificate.chainPem);
      expect(leaf.issuer).toContain("Corp Issuing CA 1");
      expect(leaf.subjectAltName).toContain("www.corp.example");
      expect(outcome.certificate.serialHex).toBe(leaf.serialNumber.toLowerCase());

      const [request] = [...fake.requests.values()];
      expect(request?.template).toBe(FAKE_TEMPLATE);
      expect(request?.form).toMatchObject({ Mode: "newreq", TargetStoreFlags: "0", SaveCert: "yes", CertAttrib: `CertificateTemplate:${FAKE_TEMPLATE}\r\n` });
      expect(request?.csrPem).toContain("-----BEGIN CERTIFICATE REQUEST-----");
      // Every page was fetched as the service account.
      expect(new Set(fake.log.map((entry) => entry.user))).toEqual(new Set([FAKE_USER]));
      expect(fake.log.map((entry) => entry.path)).toEqual(
        expect.arrayContaining(["/certsrv/certfnsh.asp", `/certsrv/certnew.cer?ReqID=${request?.id}&Enc=b64`, "/certsrv/certnew.p7b?ReqID=CACert&Renewal=0&Enc=b64"]),
      );
    });
  });

  it("names the account and the scheme when the site refuses the password", async () => {
    await withCertsrv({ auth }, async (fake, open) => {
      const authority = await open({ password: { kind: "file", path: join(dir, "wrong-password") } });
      const refused = authority.submit(await issuanceRequest());
      await expect(refused).rejects.toBeInstanceOf(AuthorityUnavailableError);
      await expect(refused).rejects.toThrow(`certsrv refused the credentials of ${FAKE_USER} with ${auth} authentication (HTTP 401`);
      expect(fake.requests.size).toBe(0);
      const health = await authority.health();
      expect(health.healthy).toBe(false);
      expect(health.detail).toContain("refused the credentials");
    });
  });
});

describe("NTLM on the wire", () => {
  it("runs each handshake over one connection, bound to the site's TLS certificate when the site requires it", async () => {
    await withCertsrv({ auth: "ntlm", requireChannelBindings: true }, async (fake, open) => {
      const authority = await open();
      expect((await authority.health()).healthy).toBe(true);
      expect((await authority.submit(await issuanceRequest())).kind).toBe("issued");
      // health, certfnsh.asp, certnew.cer, certcarc.asp, certnew.p7b: one connection each.
      expect(fake.log).toHaveLength(5);
      expect(new Set(fake.log.map((entry) => entry.connection)).size).toBe(5);
      expect(fake.connections()).toBe(5);
    });
  });

  it("authenticates a UPN user name as well as DOMAIN\\user", async () => {
    await withCertsrv({ auth: "ntlm" }, async (fake, open) => {
      const authority = await open({ username: "svc-acme@corp.example" });
      expect((await authority.health()).healthy).toBe(true);
      expect(fake.log[0]?.user).toBe("\\svc-acme@corp.example");
    });
  });
});

describe("requests held for a CA manager's approval", () => {
  it("answers pending with the request id, then issued once the officer approves", async () => {
    await withCertsrv({ auth: "ntlm" }, async (fake, open) => {
      fake.mode = "pend";
      const authority = await open();
      const outcome = await authority.submit(await issuanceRequest());
      expect(outcome).toEqual({ kind: "pending", requestId: "100" });
      expect(await authority.poll("100")).toEqual({ kind: "pending", requestId: "100" });
      await fake.approve(100);
      const issued = await authority.poll("100");
      expect(issued.kind).toBe("issued");
      if (issued.kind === "issued") expect(leafOf(issued.certificate.chainPem).issuer).toContain("Corp Issuing CA 1");
    });
  });

  it("answers denied, with the CA's reason, once the officer denies", async () => {
    await withCertsrv({ auth: "ntlm" }, async (fake, open) => {
      fake.mode = "pend";
      const authority = await open();
      await authority.submit(await issuanceRequest());
      fake.deny(100);
      const outcome = await authority.poll("100");
      expect(outcome.kind).toBe("denied");
      if (outcome.kind === "denied") expect(outcome.reason).toMatch(/a certificate manager or CA administrator denied the request \(CERTSRV_E_ADMIN_DENIED_REQUEST, 0x80094014\).*ADCS request 100/);
    });
  });

  it("recognises a German site's pending page by its structure", async () => {
    await withCertsrv({ auth: "ntlm", language: "de" }, async (fake, open) => {
      fake.mode = "pend";
      const authority = await open();
      expect(await authority.submit(await issuanceRequest())).toEqual({ kind: "pending", requestId: "100" });
    });
  });

  it("reports a request id the CA does not know as denied", async () => {
    await withCertsrv({ auth: "ntlm" }, async (_fake, open) => {
      const outcome = await (await open()).poll("4711");
      expect(outcome.kind).toBe("denied");
      if (outcome.kind === "denied") expect(outcome.reason).toContain("CERTSRV_E_PROPERTY_EMPTY");
    });
  });
});

describe("denials and failures", () => {
  it("decodes the policy module's error code into a reason", async () => {
    await withCertsrv({ auth: "ntlm" }, async (fake, open) => {
      fake.mode = "deny";
      const outcome = await (await open()).submit(await issuanceRequest());
      expect(outcome.kind).toBe("denied");
      if (outcome.kind === "denied") {
        expect(outcome.reason).toContain("the certificate template's permissions do not give the service account Enroll (CERTSRV_E_TEMPLATE_DENIED, 0x80094012)");
        expect(outcome.reason).toContain('the CA said: "Denied by Policy Module 0x80094012');
      }
    });
  });

  it("says which template the CA does not publish", async () => {
    await withCertsrv({ auth: "basic" }, async (_fake, open) => {
      const outcome = await (await open({ template: "NoSuchTemplate" })).submit(await issuanceRequest());
      expect(outcome.kind).toBe("denied");
      if (outcome.kind === "denied") expect(outcome.reason).toMatch(/CERTSRV_E_UNSUPPORTED_CERT_TYPE.*NoSuchTemplate/);
    });
  });

  it("a submission unanswered within default-timeout is in doubt (the form may have reached the CA)", async () => {
    await withCertsrv({ auth: "ntlm" }, async (fake, open) => {
      fake.mode = "hang";
      const submitted = (await open({ timeoutMs: 400 })).submit(await issuanceRequest());
      await expect(submitted).rejects.toBeInstanceOf(SubmissionInDoubtError);
      await expect(submitted).rejects.toThrow("certsrv did not answer POST /certsrv/certfnsh.asp within 400 ms (default-timeout)");
    });
  });

  it("refuses a site whose certificate the ca-bundle does not vouch for, and says to set ca-bundle", async () => {
    await withCertsrv({ auth: "ntlm" }, async (fake, open) => {
      const health = await (await open({ caBundle: null })).health();
      expect(health.healthy).toBe(false);
      expect(health.detail).toContain("set ca-bundle");
      expect(fake.log).toHaveLength(0);
    });
  });

  it("treats a page it does not recognise as the CA being unavailable, not as a decision", async () => {
    await withCertsrv({ auth: "ntlm" }, async (fake, open) => {
      fake.mode = "garbage";
      await expect((await open()).submit(await issuanceRequest())).rejects.toThrow(/does not recognise: .*Service Unavailable/);
    });
  });

  it("submits once for one request key, however often it is asked", async () => {
    await withCertsrv({ auth: "ntlm" }, async (fake, open) => {
      const authority = await open();
      const request = await issuanceRequest();
      const [first, second] = await Promise.all([authority.submit(request), authority.submit(request)]);
      expect(first).toBe(second);
      expect(await authority.submit(request)).toBe(first);
      expect(fake.requests.size).toBe(1);
    });
  });

  it("answers pending, not an error, when an issued certificate cannot be fetched at once, so it is never submitted twice", async () => {
    await withCertsrv({ auth: "ntlm" }, async (fake, open) => {
      fake.failRetrievals = 1;
      const authority = await open();
      expect(await authority.submit(await issuanceRequest())).toEqual({ kind: "pending", requestId: "100" });
      expect((await authority.poll("100")).kind).toBe("issued");
      expect(fake.requests.size).toBe(1);
    });
  });

  it("cannot revoke, and says what to do at the CA instead", async () => {
    await withCertsrv({ auth: "ntlm" }, async (_fake, open) => {
      const revoked = (await open()).revoke("4f2a", 1, new Date());
      await expect(revoked).rejects.toBeInstanceOf(RevocationUnsupportedError);
      await expect(revoked).rejects.toThrow("certutil -revoke 4f2a");
    });
  });
});

describe("options", () => {
  it("reads the password from the environment variable password-env names", async () => {
    await withCertsrv({ auth: "basic" }, async (_fake, open) => {
      process.env.CERTEASY_TEST_CERTSRV_PASSWORD = FAKE_PASSWORD;
      try {
        expect((await (await open({ password: { kind: "env", name: "CERTEASY_TEST_CERTSRV_PASSWORD" } })).health()).healthy).toBe(true);
      } finally {
        delete process.env.CERTEASY_TEST_CERTSRV_PASSWORD;
      }
      await expect(open({ password: { kind: "env", name: "CERTEASY_TEST_CERTSRV_PASSWORD" } })).rejects.toThrow(
        new AdcsConfigError("password", "password-env names CERTEASY_TEST_CERTSRV_PASSWORD, which is not set in Certeasy's environment"),
      );
    });
  });

  it("refuses plain http, a missing password file and a template that would add attributes", async () => {
    await withCertsrv({ auth: "basic" }, async (_fake, open) => {
      await expect(open({ url: "http://ca01.corp.example/certsrv/" })).rejects.toThrow("url must use https");
      await expect(open({ password: { kind: "file", path: join(dir, "absent") } })).rejects.toThrow(/password-file .*absent cannot be read/);
      await expect(open({ template: "Web\nSAN:dns=evil.example" })).rejects.toThrow(/certificate-template must be a template name/);
    });
  });
});
