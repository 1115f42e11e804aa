import { describe, expect, it } from "vitest";
import { AuthorityChooser } from "../../src/acme/orders/authority-choice.js";
import { checkCsr, type CheckedCsr } from "../../src/acme/csr/index.js";
import { buildCsr, cnName } from "./csr/support/build-csr.js";
import { ACCOUNT, p256 } from "./csr/support/keys.js";

const ORDER = [{ type: "dns", value: "www.example.com" }] as const;

function checked(der: Uint8Array): CheckedCsr {
  const result = checkCsr(der, ORDER, ACCOUNT);
  if (!result.ok) throw new Error(result.detail);
  return result.csr;
}

/** `local` writes the order's names into the certificate; `adcs` issues the CSR as sent. */
const chooser = (authorities: readonly string[]) =>
  new AuthorityChooser({
    bindings: [{ policy: "default", authorities, strategy: "first_available" }],
    authorityRules: new Map(),
    healthy: () => true,
    writesSubjectAltName: (authority) => authority === "local",
  });

const cnOnly = checked(buildCsr({ key: p256(), subject: cnName("www.example.com"), attributes: [] }));
const withSan = checked(buildCsr({ key: p256(), names: ["www.example.com"] }));

describe("AuthorityChooser and CSRs that name their DNS name only in the CN", () => {
  it("sends a CN-only CSR past a CA that issues the CSR as sent, to one that writes the subjectAltName", () => {
    expect(chooser(["adcs", "local"]).choose("default", cnOnly)).toEqual({ ok: true, authority: "local", fallbacks: [] });
    expect(chooser(["adcs", "local"]).choose("default", withSan)).toEqual({ ok: true, authority: "adcs", fallbacks: ["local"] });
  });

  it("refuses a CN-only CSR when every CA of the policy issues the CSR as sent, saying where the names belong", () => {
    expect(chooser(["adcs"]).choose("default", cnOnly)).toEqual({
      ok: false,
      detail: expect.stringMatching(/name them in a subjectAltName extension, not only in the CN \(RFC 8555 §7\.4\)/),
    });
    expect(chooser(["adcs"]).choose("default", withSan)).toMatchObject({ ok: true, authority: "adcs" });
  });
});
