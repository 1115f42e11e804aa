/**
 * Which authority a finalized order goes to (reference §3.3): the order's pinned policy names
 * its authorities through `policy-bindings`; an authority whose own `policies` refuse the CSR is
 * skipped (routing by key type), and so is one that issues the CSR as sent when the CSR names its
 * DNS name only in the CN (it would issue without a subjectAltName); unhealthy ones go last (src/ca/routing.ts). The health seen
 * here is the last periodic probe.
 */
import { routeOrder, type PolicyBinding } from "../../ca/routing.js";
import { checkCsr, type CheckedCsr, type CsrPolicy } from "../csr/index.js";

export type AuthorityChoice =
  /** `fallbacks`: the other accepting authorities, in the order failover tries them */
  | { readonly ok: true; readonly authority: string; readonly fallbacks: readonly string[] }
  | { readonly ok: false; readonly detail: string };

export interface AuthorityChooserOptions {
  readonly bindings: readonly PolicyBinding[];
  /** an authority's own CSR rules (its `policies`); empty: it takes every CSR the order's policy accepted */
  readonly authorityRules: ReadonlyMap<string, readonly CsrPolicy[]>;
  readonly healthy: (authority: string) => boolean;
  /** CertificateAuthority.writesSubjectAltName of the authority so named */
  readonly writesSubjectAltName: (authority: string) => boolean;
}

const KEY_REFUSED = "No certificate authority of this order's issuance policy accepts this key type or size.";
const NEEDS_SUBJECT_ALT_NAME =
  "This order's certificate authority issues the names a CSR requests as they are: name them in a subjectAltName extension, not only in the CN (RFC 8555 §7.4).";

export class AuthorityChooser {
  #turn = 0;

  constructor(private readonly options: AuthorityChooserOptions) {}

  choose(policy: string, csr: CheckedCsr): AuthorityChoice {
    const binding = this.options.bindings.find((b) => b.policy === policy);
    if (!binding) return { ok: false, detail: "No certificate authority serves this order's issuance policy any more; create a new order." };
    const routing = routeOrder({
      binding,
      accepts: (authority) => this.#accepts(authority, csr),
      healthy: this.options.healthy,
      turn: this.#turn++,
    });
    const [first, ...fallbacks] = routing.ok ? routing.candidates : [];
    if (first === undefined) {
      const keyAccepted = binding.authorities.some((authority) => this.#acceptsKey(authority, csr));
      return { ok: false, detail: csr.namesFrom === "commonName" && keyAccepted ? NEEDS_SUBJECT_ALT_NAME : KEY_REFUSED };
    }
    return { ok: true, authority: first, fallbacks };
  }

  #accepts(authority: string, csr: CheckedCsr): boolean {
    return (csr.namesFrom === "subjectAltName" || this.options.writesSubjectAltName(authority)) && this.#acceptsKey(authority, csr);
  }

  #acceptsKey(authority: string, csr: CheckedCsr): boolean {
    const rules = this.options.authorityRules.get(authority) ?? [];
    // The CSR already passed the order's checks; only the authority's key rules are new here.
    return rules.length === 0 || rules.some((rule) => checkCsr(csr.der, csr.identifiers, "", rule).ok);
  }
}
