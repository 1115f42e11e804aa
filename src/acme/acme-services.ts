/**
 * The ACME machinery of a running node, assembled from its configuration: accounts, orders,
 * the certificate authorities and their routing, rate limits, the validator and the three work
 * queues (validation, issuance, revocation propagation) that the event log drives. `serve` and
 * the end-to-end tests start it the same way; `stop` drains the queues within
 * `workers.drain-timeout` before the node core closes.
 */
import type { Logger } from "pino";
import { pendingRevocationsProjection, type MemoryProjection } from "../../projections/index.js";
import type { AuthorityHealth, CertificateAuthority } from "../ca/authority.js";
import type { CerteasyConfig } from "../config/index.js";
import type { OrderPolicy } from "../domain/order/index.js";
import { offeredProfiles } from "../domain/policy/index.js";
import type { DirectoryMeta } from "../http/routes/directory.js";
import type { OrderRoutesDeps } from "../http/routes/order-deps.js";
import type { NodeCore } from "../node/open-node.js";
import { accountUrlsOf } from "../http/account-urls.js";
import { createCaaChecker, createValidator, type Validator } from "../validation/index.js";
import type { DomainError } from "../domain/domain-error.js";
import { retryAfterSeconds, type DenialRecorder, type RateLimitDecision, type RateLimiter } from "../ratelimit/index.js";
import type { LicenseGate } from "../license/index.js";
import { AccountService, type RequestMeta } from "./accounts/account-service.js";
import { openAuthorities } from "./authorities.js";
import type { AuthorityCallObserver } from "./observed-authority.js";
import { AuthorityChooser } from "./orders/authority-choice.js";
import { EabService, KeyEncryptionKeyFile, eabScopeAllows } from "./eab/index.js";
import { inProcessIssuer } from "./orders/in-process-issuance.js";
import { startIssuanceWork } from "./orders/issuance-work.js";
import { OrderService } from "./orders/order-service.js";
import { startRevocationWork, type RevocationOutcome } from "./orders/revocation-work.js";
import { startValidationWork } from "./orders/validation-work.js";

/**
 * The in-memory projections these services read: the node must start them (openNode's
 * `memoryProjections`) before `startAcmeServices`.
 */
export const acmeMemoryProjections: readonly MemoryProjection<unknown>[] = [pendingRevocationsProjection as MemoryProjection<unknown>];

/** Revocation propagation retries: 1 min, doubling, at most 1 h apart (behaviour reference §2.4 "minutes to hours"). */
const REVOCATION_RETRY = { firstRetryMs: 60_000, maxRetryMs: 3_600_000 } as const;

export interface AcmeServices {
  readonly accounts: AccountService;
  /** EAB keys (RFC 8555 §7.3.4): newAccount bindings, the admin channel, and newOrder's scope check */
  readonly eab: EabService;
  readonly orders: OrderService;
  readonly routes: OrderRoutesDeps;
  readonly directoryMeta: DirectoryMeta;
  /** the configured certificate authorities by name (health probes, metrics) */
  readonly authorities: ReadonlyMap<string, CertificateAuthority>;
  /** per authority, the last health probe: what routing, `/readyz` and `/metrics` show */
  readonly authorityHealth: ReadonlyMap<string, { health(): Promise<AuthorityHealth> }>;
  /** probe every authority now instead of at the next minute (recording any change) */
  probeAuthorities(): Promise<void>;
  /** revocations being told to their authority now (queued or running) */
  readonly revocationQueue: { readonly size: number };
  /** Drain the work queues: running jobs finish, queued ones resume at next boot (they are in the log). */
  stop(timeoutMs: number): Promise<{ readonly unfinished: number }>;
}

export interface AcmeServicesOptions {
  readonly core: Pick<NodeCore, "dialect" | "writer" | "clock" | "live">;
  readonly config: Pick<CerteasyConfig, "workdir" | "acme" | "renewalInfo" | "dnsValidationProfiles" | "issuancePolicies" | "authorities" | "policyBindings" | "server">;
  readonly log: { readonly validation: Logger; readonly issuance: Logger };
  /** per-address and per-account limits (reference §7); none when absent */
  readonly rateLimits?: { readonly limiter: RateLimiter; readonly recorder: DenialRecorder };
  /** the managed-server limit of the license at newOrder (reference §8.3); none when absent */
  readonly licenseGate?: LicenseGate;
  /** overrides the validator built from `dns-validation-profiles` (tests) */
  readonly validator?: Validator;
  readonly onValidation?: (type: string, status: "valid" | "invalid") => void;
  /** revocation propagation back-off (default 1 min doubling to 1 h; tests shorten it) */
  readonly revocationRetry?: { readonly firstRetryMs: number; readonly maxRetryMs: number };
  readonly onRevocationOutcome?: (authority: string, outcome: RevocationOutcome) => void;
  /** every certificate authority call, timed (`/metrics`) */
  readonly onAuthorityCall?: AuthorityCallObserver;
  /** orders per page of an account's orders list (RFC 8555 §7.1.2.1; default 100): tests use a small one */
  readonly ordersPageSize?: number;
}

export async function startAcmeServices(options: AcmeServicesOptions): Promise<AcmeServices> {
  const { core, config } = options;
  const { acme } = config;
  const clock = core.clock;
  const base = config.server.urls[0]?.href.replace(/\/+$/, "") ?? "";

  const opened = await openAuthorities(config.authorities, {
    workdir: config.workdir,
    baseUrl: base,
    certificateLifetimeMs: acme.certificateLifetimeMs,
    now: clock,
    log: options.log.issuance,
    store: { dialect: core.dialect, writer: core.writer },
    ...(options.onAuthorityCall ? { onCall: options.onAuthorityCall } : {}),
  });
  const authorities = opened.byName;
  const policyNamed = (name: string) => config.issuancePolicies.find((p) => p.name === name);
  const chooser = new AuthorityChooser({
    bindings: config.policyBindings,
    authorityRules: new Map(config.authorities.map((a) => [a.name, a.policies.flatMap((p) => policyNamed(p)?.csr ?? [])])),
    healthy: opened.healthy,
    writesSubjectAltName: (name) => authorities.get(name)?.writesSubjectAltName === true,
  });

  const policy: OrderPolicy = {
    orderLifetimeMs: acme.orderLifetimeMs,
    authorizationLifetimeMs: acme.authorizationLifetimeMs,
    validAuthorizationLifetimeMs: acme.validAuthorizationLifetimeMs,
    certificateLifetimeMs: acme.certificateLifetimeMs,
    issuancePolicies: config.issuancePolicies,
  };
  const eab = new EabService({ dialect: core.dialect, writer: core.writer, kek: new KeyEncryptionKeyFile(config.workdir) });
  // Reference §7: a refusal is answered 429 with its Retry-After and recorded for auditors.
  const refuse = (decision: RateLimitDecision, meta: RequestMeta): DomainError | null => {
    if (decision.ok) return null;
    options.rateLimits?.recorder.record(decision, clock().getTime(), meta);
    return { type: "rateLimited", detail: decision.detail, retryAfterSeconds: retryAfterSeconds(decision.retryAfterMs) };
  };
  const limiter = options.rateLimits?.limiter;
  const accounts = new AccountService(
    core.dialect,
    core.writer,
    { termsOfServiceRequired: acme.termsOfService !== null, externalAccountRequired: acme.externalAccountBinding === "required" },
    eab,
    (meta) => (limiter ? refuse(limiter.checkNewAccount(meta.sourceIp ?? "", clock().getTime()), meta) : null),
  );
  const orders = new OrderService(core.dialect, core.writer, policy, clock, async (accountId, order, meta) => {
    // RFC 8555 §7.3.4 leaves what a binding allows to the server: a key may limit names and profiles.
    // Only an account registered with a binding has a key (its row names it, and the row is in
    // memory): the others skip the key lookup, which finds nothing for them.
    const account = await accounts.findById(accountId);
    const scope = account === null || account.eabKeyId === null ? null : await eab.scopeOfAccount(accountId);
    const verdict = scope ? eabScopeAllows(scope, order.identifiers, order.profile) : { ok: true as const };
    if (!verdict.ok) return { type: "rejectedIdentifier", detail: verdict.detail };
    if (limiter) {
      const { identifiers, identifiersHash } = order;
      const limited = refuse(limiter.checkNewOrder({ accountId, ip: meta.sourceIp ?? "", identifiers, identifiersHash, now: clock().getTime() }), meta);
      if (limited) return limited;
    }
    // After the rate limits: they bound how often a refused client can make us record a refusal.
    return options.licenseGate?.(accountId, meta) ?? null;
  });

  // RFC 8659: the identities the directory advertises are the ones CAA is checked for; with none,
  // no CAA lookup is made (and the directory shows no caaIdentities).
  const caaIdentities = acme.caaIdentities;
  const accountUrls = accountUrlsOf(config.server.urls.map((url) => url.href));
  const validationProfileOf = (name: string): string | null => policyNamed(name)?.dnsValidationProfile ?? null;
  const validation = await startValidationWork({
    orders,
    validator: options.validator ?? createValidator(config.dnsValidationProfiles, { caaIdentities }),
    validationProfileOf,
    accountUrlsOf: accountUrls,
    committed$: core.writer.committed$,
    concurrency: acme.validationConcurrency,
    retries: acme.validationRetries,
    clock,
    log: options.log.validation,
    ...(options.onValidation ? { onOutcome: options.onValidation } : {}),
  });
  const issuance = await startIssuanceWork({
    orders,
    authorities,
    committedBatches$: core.writer.committedBatches$,
    concurrency: acme.validationConcurrency,
    // `acme.pending-poll-interval`: a request the CA holds for approval (ADCS pending), RFC 8555 §7.4 processing.
    pollIntervalMs: acme.pendingPollIntervalMs,
    pendingDeadlineMs: acme.pendingDeadlineMs,
    clock,
    log: options.log.issuance,
  });

  const revocation = startRevocationWork({
    orders,
    dialect: core.dialect,
    writer: core.writer,
    committed$: core.writer.committed$,
    authorities,
    // Reference §2.4: `disable-ca-revocation` keeps a revocation in Certeasy.
    keptLocal: new Set(config.authorities.filter((a) => a.disableCaRevocation).map((a) => a.name)),
    // A copy: the projection's map changes in place as revocations commit.
    backlog: [...core.live.state(pendingRevocationsProjection).keys()],
    policy: { ...(options.revocationRetry ?? REVOCATION_RETRY), deadlineMs: acme.revocationPublishDeadlineMs },
    concurrency: acme.validationConcurrency,
    clock,
    log: options.log.issuance,
    ...(options.onRevocationOutcome ? { onOutcome: options.onRevocationOutcome } : {}),
  });

  const routes: OrderRoutesDeps = {
    orders,
    accounts,
    finalize: {
      orders,
      csrPolicyFor: (name) => policyNamed(name)?.csr ?? null,
      chooseAuthority: (policyName, csr) => chooser.choose(policyName, csr),
      clock,
      issueInProcess: inProcessIssuer(authorities, options.log.issuance),
      ...(caaIdentities.length > 0
        ? { caa: { check: createCaaChecker(config.dnsValidationProfiles, caaIdentities), accountUrlsOf: accountUrls, validationProfileOf, enforcedSince: clock() } }
        : {}),
    },
    revocation: { orders, clock },
    issuanceSettled: (orderId, timeoutMs) => issuance.queue.settled(orderId, timeoutMs),
    heldRequestPollMs: acme.pendingPollIntervalMs,
    ...(options.ordersPageSize !== undefined ? { ordersPageSize: options.ordersPageSize } : {}),
    renewalInfo: config.renewalInfo,
    crl: (name, shard) => {
      const local = name === opened.local?.authority.name ? opened.local.authority : undefined;
      if (!local) return null;
      return shard === undefined ? local.crlDer() : local.shardCrlDer(shard);
    },
    issuerCertificate: (name) => (name === opened.local?.authority.name ? opened.local.issuerDer : null),
    alternateChainTails: (name) => (name === opened.local?.authority.name ? [opened.local.authority.rootCertificatePem] : []),
    clock,
  };
  return {
    accounts,
    eab,
    orders,
    routes,
    authorities,
    authorityHealth: opened.lastProbes,
    probeAuthorities: opened.probe,
    revocationQueue: revocation.queue,
    directoryMeta: {
      termsOfService: acme.termsOfService,
      website: acme.website,
      caaIdentities: acme.caaIdentities,
      externalAccountRequired: acme.externalAccountBinding === "required",
      profiles: offeredProfiles(config.issuancePolicies),
    },
    stop: async (timeoutMs) => {
      opened.close();
      const [v, i, r] = await Promise.all([validation.stop(timeoutMs), issuance.stop(timeoutMs), revocation.stop(timeoutMs)]);
      return { unfinished: v.unfinished + i.unfinished + r.unfinished };
    },
  };
}
