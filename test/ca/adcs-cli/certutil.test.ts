/** revoke and health against the fake certutil. */
import { X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { publishedTemplates } from "../../../src/ca/adcs-cli/certutil-output.js";
import { AdcsRequestError } from "../../../src/ca/adcs-cli/index.js";
import { AuthorityUnavailableError } from "../../../src/ca/authority.js";
import { CA_NAME, type TestCa, createTestCa, issuanceRequest, withFakeAdcs } from "./fixture.js";

let ca: TestCa;
beforeAll(async () => {
  ca = await createTestCa();
});

describe("revoke", () => {
  it("runs certutil -config <ca> -revoke <serial> <reason> and the CA marks the certificate revoked; again is fine", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("issued");
      const authority = fake.open();
      const outcome = await authority.submit(await issuanceRequest());
      if (outcome.kind !== "issued") throw new Error(outcome.kind);
      const { serialHex } = outcome.certificate;

      await authority.revoke(serialHex, 1, new Date());
      await authority.revoke(serialHex, 1, new Date());

      const revokes = (await fake.argv()).filter((entry) => entry.argv.includes("-revoke"));
      expect(revokes.map((entry) => entry.argv)).toEqual([
        ["-config", CA_NAME, "-revoke", serialHex, "1"],
        ["-config", CA_NAME, "-revoke", serialHex, "1"],
      ]);
      const row = await fake.request("1");
      expect(row.revoked).toBe(true);
      expect(row.revocationReason).toBe(1);
      expect(BigInt(`0x${serialHex}`)).toBe(BigInt(`0x${new X509Certificate(outcome.certificate.certificateDer).serialNumber}`));
    });
  });

  it("accepts a localised success (exit 0, no error code)", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("issued", "de");
      const authority = fake.open();
      const outcome = await authority.submit(await issuanceRequest());
      if (outcome.kind !== "issued") throw new Error(outcome.kind);
      await expect(authority.revoke(outcome.certificate.serialHex, 4, new Date())).resolves.toBeUndefined();
    });
  });

  it("pads an odd-length serial to whole octets and lower-cases it", async () => {
    await withFakeAdcs(ca, async (fake) => {
      const authority = fake.open();
      await expect(authority.revoke("ABC", 0, new Date())).rejects.toBeInstanceOf(AuthorityUnavailableError);
      const [entry] = await fake.argv();
      expect(entry?.argv).toEqual(["-config", CA_NAME, "-revoke", "0abc", "0"]);
    });
  });

  it.each([
    ["access-denied", /E_ACCESSDENIED, 0x80070005/],
    ["rpc-unavailable", /RPC_S_SERVER_UNAVAILABLE, 0x800706ba/],
    ["garbage", /exited with code 5 without an error code: ~~~ 42 ~~~/],
  ])("a certutil failure (%s) throws AuthorityUnavailableError with the reason", async (scenario, message) => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario(scenario);
      const failure = fake.open().revoke("61000000a1", 1, new Date());
      await expect(failure).rejects.toBeInstanceOf(AuthorityUnavailableError);
      await expect(failure).rejects.toThrow(message);
    });
  });

  it("an unknown serial is reported, not swallowed", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await expect(fake.open().revoke("61000000a1", 1, new Date())).rejects.toThrow(/CERTSRV_E_PROPERTY_EMPTY/);
    });
  });

  it.each([6, 8, 9, 10, 7, -1])("refuses reason %i before running certutil", async (reason) => {
    await withFakeAdcs(ca, async (fake) => {
      await expect(fake.open().revoke("61000000a1", reason, new Date())).rejects.toBeInstanceOf(AdcsRequestError);
      expect(await fake.argv()).toEqual([]);
    });
  });

  it.each(["", "0x1234", "-config", "00", "12 34", "g1"])("refuses the serial %j before running certutil", async (serial) => {
    await withFakeAdcs(ca, async (fake) => {
      await expect(fake.open().revoke(serial, 1, new Date())).rejects.toBeInstanceOf(AdcsRequestError);
      expect(await fake.argv()).toEqual([]);
    });
  });

  it("a hanging certutil is killed at the deadline", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("timeout");
      await expect(fake.open({ timeoutMs: 2_000 }).revoke("61000000a1", 1, new Date())).rejects.toThrow(/did not finish within 2000 ms/);
    });
  });
});

describe("health", () => {
  it.each(["en", "de"] as const)("certutil -ping: healthy, with the 'interface is alive' line as detail (%s)", async (language) => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("issued", language);
      const health = await fake.open().health();
      expect(health.healthy).toBe(true);
      expect(health.detail).toBe(
        language === "en" ? 'Server "Corp Issuing CA 1" ICertRequest2 interface is alive (16ms)' : "CertUtil: -ping-Befehl wurde erfolgreich ausgeführt.",
      );
      const [entry] = await fake.argv();
      expect(entry?.argv).toEqual(["-config", CA_NAME, "-ping"]);
    });
  });

  it("unhealthy when the CA is unreachable, with the decoded reason", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("rpc-unavailable");
      const health = await fake.open().health();
      expect(health.healthy).toBe(false);
      expect(health.detail).toContain("the CA's RPC server is unavailable");
      expect(health.detail).toContain("0x800706ba");
    });
  });

  it("unhealthy, not thrown, when certutil hangs or is missing", async () => {
    await withFakeAdcs(ca, async (fake) => {
      await fake.scenario("timeout");
      expect(await fake.open({ timeoutMs: 2_000 }).health()).toEqual({ healthy: false, detail: "certutil -ping did not finish within 2000 ms and was stopped" });
      const missing = await fake.open({ certutilPath: "/nonexistent/certutil.exe" }).health();
      expect(missing.healthy).toBe(false);
      expect(missing.detail).toContain("ENOENT");
    });
  });
});

describe("certutil -CATemplates output", () => {
  it("lists the templates' cn, whatever the language of the rest of the line", () => {
    const output = [
      "CerteasyWebServer: Certeasy Web Server -- Auto-Enroll",
      "WebServer: Webserver -- Automatische Registrierung: Zugriff verweigert",
      "",
      "CertUtil: -CATemplates command completed successfully.",
    ].join("\r\n");
    expect(publishedTemplates(output)).toEqual(["CerteasyWebServer", "WebServer"]);
  });
});
