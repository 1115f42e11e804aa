/**
 * Finalization (RFC 8555 §7.4): the CSR is checked against the order — its identifiers, the
 * issuance policy's key and EKU rules, and the account key (§11.1) — CAA results older than 8
 * hours are checked again (RFC 8659 §3, caa-recheck.ts), and the order moves to `processing` for
 * its authority; the issuance queue takes it from there — unless the authority issues in process
 * (the embedded CA), whose certificate is then recorded in the same append.
 */
import type { AuthorizationRow } from "../../../projections/index.js";
import { checkCsr, type CheckedCsr, type CsrPolicy } from "../csr/index.js";
import type { AuthorityChoice } from "./authority-choice.js";
import { effectiveAuthorizationStatus, orderExpired } from "../../domain/order/index.js";
import { recheckCaa, type CaaRecheckDeps } from "./caa-recheck.js";
import type { RequestMeta } from "../accounts/account-service.js";
import type { InProcessIssuer } from "./in-process-issuance.js";
import { certificateFacts, issuanceRequest } from "./issuance-request.js";
import type { OrderOutcome, OrderService } from "./order-service.js";

export interface FinalizeDeps {
  readonly orders: OrderService;
  /** the CSR rules of an issuance policy (reference §3.4 `signature`, `csr`); null when no longer configured */
  readonly csrPolicyFor: (policy: string) => CsrPolicy | null;
  /** the authority a checked CSR of an order under `policy` goes to (policy bindings, reference §3.3) */
  readonly chooseAuthority: (policy: string, csr: CheckedCsr) => AuthorityChoice;
  readonly clock: () => Date;
  readonly issueInProcess?: InProcessIssuer;
  /** present when `acme.caa-identities` is set: CAA is enforced, and re-checked here when stale */
  readonly caa?: CaaRecheckDeps;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * When a client may finalize again after a CAA lookup failed. 503 rather than a 4xx: the
 * request was right and the order is still ready — the DNS could not answer (RFC 9110 §15.6.4:
 * a temporary condition, with Retry-After saying when to come back). Clients that retry server
 * errors (acme-client honours Retry-After, RFC 8555 §6.6) then finalize again by themselves.
 */
const CAA_RETRY_AFTER_SECONDS = 10;

export async function finalizeOrder(
  deps: FinalizeDeps,
  request: { readonly orderId: string; readonly csr: string; readonly accountKeySpkiSha256: string },
  meta: RequestMeta,
): Promise<OrderOutcome> {
  // The size is bounded by server.max-body-bytes, and checkCsr refuses oversized requests.
  if (!BASE64URL.test(request.csr)) {
    return { kind: "rejected", error: { type: "malformed", detail: "csr must be the base64url (unpadded) encoding of a DER PKCS#10 request." } };
  }
  const der = Buffer.from(request.csr, "base64url");
  return deps.orders.change(
    request.orderId,
    async (state) => {
      const now = deps.clock();
      const reused = await reusedStillValid(deps, state.authorizationIds, new Set(state.authorizations.map((a) => a.authzId)));
      const command = {
        kind: "finalize",
        now,
        csr: request.csr,
        authority: "",
        fallbacks: [] as readonly string[],
        reusedAuthorizationsValid: reused !== null,
        caaRefusals: [],
        publicKey: "",
        spkiSha256: "",
        extraEkus: [],
      } as const;
      // The decider says orderNotReady before anyone looks at the CSR of an order that is not ready.
      if (state.status !== "ready") return command;
      const csrPolicy = deps.csrPolicyFor(state.policy);
      if (!csrPolicy) {
        return { kind: "refuse", error: { type: "unauthorized", detail: "The issuance policy this order was created under is no longer offered; create a new order." } };
      }
      const check = checkCsr(der, state.identifiers, request.accountKeySpkiSha256, csrPolicy);
      if (!check.ok) return { kind: "refuse", error: { type: "badCSR", detail: check.detail } };
      const choice = deps.chooseAuthority(state.policy, check.csr);
      if (!choice.ok) return { kind: "refuse", error: { type: "badCSR", detail: choice.detail } };
      const { publicKeySpki, spkiSha256, extraEkus } = check.csr;
      const finalize = { ...command, authority: choice.authority, fallbacks: choice.fallbacks, publicKey: Buffer.from(publicKeySpki).toString("base64url"), spkiSha256, extraEkus };
      // After the CSR's checks (a bad CSR costs no lookups), before any authority sees it; an
      // order the decider refuses anyway (expired, an authorization gone) is not looked up.
      if (deps.caa !== undefined && reused !== null && !orderExpired(state, now)) {
        const caa = await recheckCaa(state, reused, deps.orders, deps.caa, now);
        if (caa.kind === "refused") return { ...finalize, caaRefusals: caa.refusals };
        if (caa.kind === "unavailable") {
          const detail = `${caa.detail}. The order is still ready: finalize it again later.`;
          return { kind: "refuse", error: { type: "dns", detail, retryAfterSeconds: CAA_RETRY_AFTER_SECONDS } };
        }
      }
      const issued = await deps.issueInProcess?.(choice.authority, issuanceRequest(state, { csrDer: der, publicKeySpki, extraEkus }));
      return issued ? { ...finalize, issued: certificateFacts(issued, spkiSha256) } : finalize;
    },
    meta,
  );
}

/**
 * The rows of the authorizations reused from earlier orders, or null when one of them has
 * expired or been deactivated since (read once: the CAA re-check uses the same rows).
 */
async function reusedStillValid(deps: FinalizeDeps, authorizationIds: readonly string[], own: ReadonlySet<string>): Promise<readonly AuthorizationRow[] | null> {
  const now = deps.clock();
  const rows: AuthorizationRow[] = [];
  for (const authzId of authorizationIds) {
    if (own.has(authzId)) continue;
    const row = await deps.orders.authorization(authzId);
    if (!row || effectiveAuthorizationStatus(row, now) !== "valid") return null;
    rows.push(row);
  }
  return rows;
}
