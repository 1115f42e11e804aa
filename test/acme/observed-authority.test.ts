/** Authority calls timed in one place: outcomes are fixed words, failures pass through, the backend stays itself. */
import { describe, expect, it } from "vitest";
import { observedAuthority, type AuthorityCall } from "../../src/acme/observed-authority.js";
import { AuthorityUnavailableError, RevocationUnsupportedError, type CertificateAuthority, type SubmitOutcome } from "../../src/ca/authority.js";

/** A backend with private state and an extra property, as the embedded CA has (issuingCertificatePem). */
class FlakyAuthority implements CertificateAuthority {
  readonly name = "adcs-test";
  readonly issuingCertificatePem = "-----BEGIN CERTIFICATE-----";
  #polls = 0;
  async submit(): Promise<SubmitOutcome> {
    throw new AuthorityUnavailableError("certreq timed out");
  }
  async poll(requestId: string): Promise<SubmitOutcome> {
    this.#polls += 1;
    return this.#polls === 1 ? { kind: "pending", requestId } : { kind: "denied", reason: "refused by the CA manager" };
  }
  async revoke(): Promise<void> {
    throw new RevocationUnsupportedError("revoke it at the CA");
  }
  async health(): Promise<{ healthy: boolean; detail: string }> {
    return { healthy: false, detail: "ping failed" };
  }
}

describe("observed authority", () => {
  it("reports each call with its operation and outcome, and rethrows failures unchanged", async () => {
    const calls: AuthorityCall[] = [];
    const authority = observedAuthority(new FlakyAuthority(), (call) => calls.push(call));

    await expect(authority.submit({} as Parameters<CertificateAuthority["submit"]>[0])).rejects.toBeInstanceOf(AuthorityUnavailableError);
    expect(await authority.poll("17")).toEqual({ kind: "pending", requestId: "17" });
    expect(await authority.poll("17")).toMatchObject({ kind: "denied" });
    await expect(authority.revoke("01", 0, new Date())).rejects.toBeInstanceOf(RevocationUnsupportedError);
    expect((await authority.health()).healthy).toBe(false);

    expect(calls.map(({ authority: a, operation, outcome }) => [a, operation, outcome])).toEqual([
      ["adcs-test", "submit", "unavailable"],
      ["adcs-test", "poll", "pending"],
      ["adcs-test", "poll", "denied"],
      ["adcs-test", "revoke", "unsupported"],
      ["adcs-test", "health", "unhealthy"],
    ]);
    for (const call of calls) expect(call.seconds).toBeGreaterThanOrEqual(0);
  });

  it("keeps what else the backend offers (a pki TLS bundle reads the issuing certificate)", () => {
    const authority = observedAuthority(new FlakyAuthority(), () => undefined);
    expect(authority.name).toBe("adcs-test");
    expect("issuingCertificatePem" in authority && authority.issuingCertificatePem).toBe("-----BEGIN CERTIFICATE-----");
  });
});
