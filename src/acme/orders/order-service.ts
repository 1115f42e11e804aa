/**
 * Order command handling (RFC 8555 §7.4–7.6): load what the pure deciders need — the order's
 * stream, the account's reusable authorizations, the certificate a new order replaces — call
 * them, append their events through the writer and answer with the resulting order. Refusals
 * come back as DomainErrors; the HTTP layer picks their status codes. A stream that moved on
 * between load and append is decided again (withOptimisticRetry).
 */
import { randomBytes } from "node:crypto";
import { decodeEvent, orderStreamId, upcast, type PendingEvent, type StoredEvent } from "../../../events/index.js";
import type { AuthorizationRow, CertificateRow, ChallengeRow, OrderRow } from "../../../projections/index.js";
import type { Row } from "../../../projections/row-change.js";
import {
  authorizationKey,
  decideNewOrder,
  decideOrder,
  effectiveAuthorizationStatus,
  effectiveOrderStatus,
  evolveOrder,
  foldOrder,
  isOrderEvent,
  type OrderCommand,
  type OrderPolicy,
  type OrderState,
  type ReplacedCertificate,
} from "../../domain/order/index.js";
import type { DomainError } from "../../domain/domain-error.js";
import { canonicalIdentifiers, type Identifier } from "../../domain/order/identifiers.js";
import type { EventStoreDialect } from "../../store/dialect.js";
import { toStoredEvent } from "../../store/rows.js";
import { uuidv7 } from "../../store/uuid.js";
import type { EventWriter } from "../../store/writer.js";
import type { RequestMeta } from "../accounts/account-service.js";
import { withOptimisticRetry } from "../optimistic-retry.js";
import { parseCertId } from "./cert-id.js";
import { RecentOrders, type HeldAuthorization, type HeldChallenge } from "./recent-orders.js";

/** What a command builder returns when the request is refused before the decider (e.g. a bad CSR). */
export interface Refusal {
  readonly kind: "refuse";
  readonly error: DomainError;
}

export type OrderOutcome = { readonly kind: "ok"; readonly order: OrderState } | { readonly kind: "rejected"; readonly error: DomainError };

export interface NewOrderRequest {
  readonly identifiers: unknown;
  readonly notBefore?: string | undefined;
  readonly notAfter?: string | undefined;
  readonly profile?: string | undefined;
  /** RFC 9773 §5 certID */
  readonly replaces?: string | undefined;
}

/** 256 random bits, base64url: well above RFC 8555 §8.1's 128-bit minimum for tokens. */
const newToken = (): string => randomBytes(32).toString("base64url");

const random = { newId: uuidv7, newToken };

/** Orders in flight kept in memory at most (the oldest go first): about 3 KB each. */
const RECENT_ORDERS = 10_000;
const ORDER_STREAM_PREFIX = orderStreamId("");

/** An append to an order stream that has not resolved yet, and the order it leaves. */
interface InFlightAppend {
  /** the stream version of its first event */
  readonly firstVersion: number;
  /** its first event's data, the very object the writer commits */
  readonly firstData: unknown;
  /** the stream version of its last event */
  readonly version: number;
  /** the order once all its events are applied */
  readonly state: OrderState;
}

/**
 * A check on a decided new order that needs more than the decider sees — the scope of the
 * account's external account binding (RFC 8555 §7.3.4). Null lets the order through.
 */
export type NewOrderGate = (accountId: string, order: OrderState, meta: RequestMeta) => Promise<DomainError | null>;

export class OrderService {
  constructor(
    private readonly dialect: EventStoreDialect,
    private readonly writer: EventWriter,
    readonly policy: OrderPolicy,
    private readonly clock: () => Date,
    private readonly gate: NewOrderGate = async () => null,
  ) {
    // Subscribed before the work queues (they are started after this service), so by the time
    // a job triggered by a commit loads the order, the entry below is already in place.
    writer.committed$.subscribe((event) => this.#committed(event));
  }

  async create(accountId: string, request: NewOrderRequest, meta: RequestMeta): Promise<OrderOutcome> {
    return withOptimisticRetry(async () => {
      const now = this.clock();
      const replaces = request.replaces === undefined ? null : await this.#replacedCertificate(request.replaces, now);
      if (replaces && "error" in replaces) return { kind: "rejected", error: replaces.error };
      const orderId = uuidv7();
      const decision = decideNewOrder(
        {
          kind: "create",
          orderId,
          accountId,
          now,
          request,
          replaces,
          reusable: await this.#reusableAuthorizations(accountId, request.identifiers, now),
          random,
        },
        this.policy,
      );
      if (decision.kind === "rejected") return decision;
      const order = evolve(null, decision.events);
      const refusal = await this.gate(accountId, order, meta);
      if (refusal) return { kind: "rejected", error: refusal };
      await this.#append(orderId, 0, decision.events, meta, order);
      return { kind: "ok", order };
    });
  }

  /**
   * Recently changed orders, as their last append left them: a flow's commands follow each other
   * within seconds, and re-reading and re-decoding the stream each time was a large share of the
   * request cost; the POST-as-GETs of an order in flight answer from here too (heldOrder…).
   * Only this node appends (single active node; it stops serving when it loses the lease), and
   * only through this service, so an entry is its stream's state: an entry is set once its append
   * has committed and taken out while one is in flight (the rows may be ahead of it then). A
   * stale entry, which would take a bug, costs a command a version conflict, which drops it.
   */
  readonly #recent = new RecentOrders(RECENT_ORDERS);
  #generation = 0;
  /** appends in flight per order */
  readonly #appending = new Map<string, number>();
  /**
   * What each append in flight will leave, by order. Once its events are committed that state is
   * the stream's (only this node appends), so it is
   * remembered at once: the validation and issuance jobs that the commit starts (on `committed$`,
   * before the append resolves) then load the order from memory instead of re-reading and
   * re-decoding its stream.
   */
  readonly #inFlight = new Map<string, Set<InFlightAppend>>();

  #committed(event: StoredEvent): void {
    if (!event.sid.startsWith(ORDER_STREAM_PREFIX)) return;
    const orderId = event.sid.slice(ORDER_STREAM_PREFIX.length);
    for (const append of this.#inFlight.get(orderId) ?? []) {
      // The writer emits a batch's events once all of them are committed, so the first event of
      // an append stands for the whole append. It commits the very event objects it was given:
      // two commands decided on the same version start at the same stream version, and only the
      // identity of the data tells which of them this commit is.
      if (append.firstVersion === event.sv && append.firstData === event.data) this.#recent.remember({ state: append.state, version: append.version });
    }
  }

  /** How many orders the cache holds: those in flight, never the finished ones (bounded by RECENT_ORDERS). */
  get cachedOrders(): number {
    return this.#recent.size;
  }

  /** The order as its stream tells it (commands decide on this, never on the rows). */
  async load(orderId: string): Promise<{ readonly state: OrderState | null; readonly version: number }> {
    const recent = this.#recent.get(orderId);
    if (recent) return recent;
    const generation = this.#generation;
    const rows = await this.dialect.readStream(orderStreamId(orderId));
    const events = rows.map((row) => decodeEvent(toStoredEvent(row))).filter(isOrderEvent);
    const loaded = { state: foldOrder(events), version: rows.length };
    // Not while an append to this order is queued: the read may predate its commit.
    if (loaded.state && generation === this.#generation && !this.#appending.has(orderId)) {
      this.#recent.remember({ state: loaded.state, version: loaded.version });
    }
    return loaded;
  }

  /**
   * The order, one of its authorizations or challenges as the order in memory tells it (the
   * state its last commit left, RecentOrders); undefined when it is not in memory: read the rows.
   */
  heldOrder(orderId: string): OrderState | undefined {
    return this.#recent.get(orderId)?.state;
  }

  heldAuthorization(authzId: string): HeldAuthorization | undefined {
    return this.#recent.authorization(authzId);
  }

  heldChallenge(challengeId: string): HeldChallenge | undefined {
    return this.#recent.challenge(challengeId);
  }

  /** Any command after creation; `command` may read the state it is decided on. */
  async change(
    orderId: string,
    command: (state: OrderState) => OrderCommand | Refusal | Promise<OrderCommand | Refusal>,
    meta: RequestMeta,
  ): Promise<OrderOutcome> {
    return withOptimisticRetry(async () => {
      const { state, version } = await this.load(orderId);
      if (!state) return { kind: "rejected", error: { type: "malformed", detail: "The order does not exist." } };
      const built = await command(state);
      if (built.kind === "refuse") return { kind: "rejected", error: built.error };
      const decision = decideOrder(state, built, this.policy, this.clock());
      if (decision.kind === "rejected") return decision;
      const order = evolve(state, decision.events);
      if (decision.events.length > 0) await this.#append(orderId, version, decision.events, meta, order);
      return { kind: "ok", order };
    });
  }

  // Reads of the projected rows (RFC 8555 §7.1: POST-as-GET of orders, authorizations, challenges, certificates).

  async order(orderId: string): Promise<OrderRow | null> {
    return (await this.#rows<OrderRow>("acme_orders", { orderId }))[0] ?? null;
  }

  /** RFC 8555 §7.1.2.1: up to `limit` of the account's orders after the `after` id, in id (creation) order. */
  async ordersPage(accountId: string, after: string, limit: number): Promise<readonly OrderRow[]> {
    return (await this.dialect.readOrdersPage(accountId, after, limit)) as unknown as readonly OrderRow[];
  }

  async authorization(authzId: string): Promise<AuthorizationRow | null> {
    return (await this.#rows<AuthorizationRow>("acme_authorizations", { authzId }))[0] ?? null;
  }

  /**
   * The account's authorizations for one identifier value, wildcard or not, through the
   * (account_id, identifier_value) index: a lookup costs the history of that name, never the
   * account's whole history (an account that orders for many names, like a cert-manager
   * instance, would otherwise make every newOrder and revocation slower).
   */
  async authorizationsFor(accountId: string, identifierValue: string): Promise<readonly AuthorizationRow[]> {
    return this.#rows<AuthorizationRow>("acme_authorizations", { accountId, identifierValue });
  }

  async challengesOf(authzId: string): Promise<readonly ChallengeRow[]> {
    return this.#rows<ChallengeRow>("acme_challenges", { authzId });
  }

  async challenge(challengeId: string): Promise<ChallengeRow | null> {
    return (await this.#rows<ChallengeRow>("acme_challenges", { challengeId }))[0] ?? null;
  }

  async challengesInStatus(status: ChallengeRow["status"]): Promise<readonly ChallengeRow[]> {
    return this.#rows<ChallengeRow>("acme_challenges", { status });
  }

  async ordersInStatus(status: OrderRow["status"]): Promise<readonly OrderRow[]> {
    return this.#rows<OrderRow>("acme_orders", { status });
  }

  async certificate(certificateId: string): Promise<CertificateRow | null> {
    return (await this.#rows<CertificateRow>("acme_certificates", { certificateId }))[0] ?? null;
  }

  async certificatesByKey(spkiSha256: string): Promise<readonly CertificateRow[]> {
    return this.#rows<CertificateRow>("acme_certificates", { spkiSha256 });
  }

  async certificateBySerial(aki: string, serial: string): Promise<CertificateRow | null> {
    return (await this.#rows<CertificateRow>("acme_certificates", { aki, serial }))[0] ?? null;
  }

  /** The projection's rows; their columns are the row types' by construction (projections/tables/orders.ts). */
  async #rows<T>(table: "acme_orders" | "acme_authorizations" | "acme_challenges" | "acme_certificates", where: Row): Promise<readonly T[]> {
    return (await this.dialect.readProjection(table, where)) as unknown as readonly T[];
  }

  /**
   * RFC 8555 §7.1.3: valid, unexpired authorizations of the account may serve a new order. Only
   * the requested names are looked up; identifiers the decider will refuse find nothing to reuse.
   */
  async #reusableAuthorizations(accountId: string, requested: unknown, now: Date): Promise<ReadonlyMap<string, string>> {
    const reusable = new Map<string, string>();
    if (this.policy.validAuthorizationLifetimeMs === 0) return reusable;
    const canonical = canonicalIdentifiers(requested);
    if (!canonical.ok) return reusable;
    // `*.example.com` is authorized as `example.com` with the wildcard flag (§7.1.3).
    const values = new Set(canonical.identifiers.map((i) => (i.type === "dns" && i.value.startsWith("*.") ? i.value.slice(2) : i.value)));
    for (const value of values) {
      for (const row of await this.authorizationsFor(accountId, value)) {
        if (effectiveAuthorizationStatus(row, now) !== "valid") continue;
        const identifier: Identifier = { type: row.identifierType, value: row.identifierValue };
        reusable.set(authorizationKey(identifier, Boolean(row.wildcard)), row.authzId);
      }
    }
    return reusable;
  }

  /** RFC 9773 §5: the certificate named by `replaces`, and whether a live order already replaces it. */
  async #replacedCertificate(certId: string, now: Date): Promise<ReplacedCertificate | { readonly error: DomainError }> {
    const parsed = parseCertId(certId);
    const certificate = parsed ? await this.certificateBySerial(parsed.aki, parsed.serial) : null;
    if (!certificate) return { error: { type: "malformed", detail: "replaces does not name a certificate issued by this server." } };
    const replacing = await this.#rows<OrderRow>("acme_orders", { replacesCertificateId: certificate.certificateId });
    return {
      certificateId: certificate.certificateId,
      accountId: certificate.accountId,
      identifiers: JSON.parse(certificate.identifiers) as Identifier[],
      // An order that failed or ran out (RFC 8555 §7.1.6) no longer replaces anything.
      alreadyReplaced: replacing.some((order) => effectiveOrderStatus(order, now) !== "invalid"),
    };
  }

  async #append(orderId: string, expectedVersion: number, events: readonly PendingEvent[], meta: RequestMeta, after: OrderState): Promise<void> {
    // Work triggered by `committed$` runs before this append resolves: while it is in flight,
    // loads of this order go to the log, which already holds the new events.
    this.#generation++;
    this.#recent.suspend(orderId);
    this.#appending.set(orderId, (this.#appending.get(orderId) ?? 0) + 1);
    const inFlightAppend: InFlightAppend = { firstVersion: expectedVersion + 1, firstData: events[0]?.data, version: expectedVersion + events.length, state: after };
    let inFlight = this.#inFlight.get(orderId);
    if (!inFlight) this.#inFlight.set(orderId, (inFlight = new Set()));
    inFlight.add(inFlightAppend);
    try {
      await this.writer.append({ streamId: orderStreamId(orderId), expectedVersion, events, meta });
    } catch (error) {
      // Not remembered below: its authorizations and challenges are not looked up in memory either.
      this.#recent.forget(after);
      throw error;
    } finally {
      const left = (this.#appending.get(orderId) ?? 1) - 1;
      if (left > 0) this.#appending.set(orderId, left);
      else this.#appending.delete(orderId);
      inFlight.delete(inFlightAppend);
      if (inFlight.size === 0 && this.#inFlight.get(orderId) === inFlight) this.#inFlight.delete(orderId);
    }
    // A load that began before the commit must not cache what it read over this entry.
    this.#generation++;
    if (!this.#appending.has(orderId)) this.#recent.remember({ state: after, version: expectedVersion + events.length });
  }
}

/** The order after the events just appended: the same fold the next load does, without the read. */
function evolve(state: OrderState | null, events: readonly PendingEvent[]): OrderState {
  const next = events.map((e) => upcast(e.type, e.v, e.data)).filter(isOrderEvent).reduce<OrderState | null>(evolveOrder, state);
  if (!next) throw new Error("an accepted order command produced no order");
  return next;
}
