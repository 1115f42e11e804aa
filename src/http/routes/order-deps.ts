/** What the order, authorization, certificate and renewal-info routes need from the node. */
import type { AccountService } from "../../acme/accounts/account-service.js";
import type { FinalizeDeps } from "../../acme/orders/finalize.js";
import type { OrderService } from "../../acme/orders/order-service.js";
import type { RevocationDeps } from "../../acme/orders/revoke.js";
import type { RenewalWindowSettings } from "../../acme/orders/renewal-window.js";

export interface RenewalWindowPolicy extends RenewalWindowSettings {
  /** the Retry-After clients get with the window (RFC 9773 §4.3) */
  readonly retryAfterMs: number;
}

export interface OrderRoutesDeps {
  readonly orders: OrderService;
  readonly accounts: AccountService;
  readonly finalize: FinalizeDeps;
  readonly revocation: RevocationDeps;
  /** resolves when the order's issuance job has run once, or after `timeoutMs` */
  readonly issuanceSettled: (orderId: string, timeoutMs: number) => Promise<void>;
  /** how often the server polls a CA that holds a request for approval: a processing order's Retry-After then */
  readonly heldRequestPollMs: number;
  readonly renewalInfo: RenewalWindowPolicy;
  /**
   * the current CRL of an authority, DER: the legacy CRL, or with `shard` one shard of its
   * partitioned CRL; null for an authority (or shard) that publishes none here
   */
  readonly crl: (authority: string, shard?: number) => Uint8Array | null;
  /**
   * Alternate chains of an authority's certificates (RFC 8555 §7.4.2): PEM blocks appended to
   * the default chain, e.g. the root for clients that want a self-contained bundle.
   */
  readonly alternateChainTails: (authority: string) => readonly string[];
  /** the issuing CA certificate of an authority, DER (AIA caIssuers); null when unknown */
  readonly issuerCertificate: (authority: string) => Uint8Array | null;
  readonly clock: () => Date;
  /** orders per page of an account's orders list (RFC 8555 §7.1.2.1) */
  readonly ordersPageSize?: number;
}
