/**
 * This node's tenure of the writer lease (DESIGN §2 invariant 8): taken at boot, renewed on a
 * short interval, released at a clean stop. The fencing itself happens in the database (every
 * append checks the epoch under the head-row lock); this module makes the node notice a loss
 * between appends too, so it stops serving instead of waiting for its next write to fail.
 */
import type { LeaseConfig } from "../config/index.js";
import type { EventStoreDialect, LeaseClaim, LeaseRow } from "../store/dialect.js";
import { LeaseLostError } from "../store/errors.js";

/** what a tenure needs of the `lease` section */
export type LeaseTiming = Pick<LeaseConfig, "ttlMs" | "renewIntervalMs">;

/** Boot refused: another node holds the lease and it has not expired. */
export class LeaseHeldError extends Error {
  override readonly name = "LeaseHeldError";
  constructor(readonly holder: LeaseRow) {
    super(
      `another Certeasy node is active on this database: server_id ${holder.holderServerId} on host ` +
        `${holder.holderHostname} holds the writer lease (epoch ${holder.epoch}) until ` +
        `${new Date(holder.expiresAt).toISOString()}. Stop it first, or wait for its lease to expire; ` +
        `if you know it is dead, start this node with --force-takeover.`,
    );
  }
}

export interface LeaseAcquireOptions {
  readonly dialect: EventStoreDialect;
  readonly serverId: string;
  readonly hostname: string;
  readonly clock: () => Date;
  readonly settings: LeaseTiming;
  readonly force: boolean;
}

export class NodeLease {
  readonly #dialect: EventStoreDialect;
  readonly #clock: () => Date;
  readonly #settings: LeaseTiming;
  readonly #lost: Promise<LeaseLostError>;
  #markLost: (error: LeaseLostError) => void = () => undefined;
  #lostError: LeaseLostError | undefined;
  #timer: NodeJS.Timeout | undefined;

  readonly claim: LeaseClaim;
  /**
   * The lease this acquisition cut short: another node held it and it had not expired (only
   * possible with force). Null for a free, expired or own lease.
   */
  readonly takenOverFrom: LeaseRow | null;
  /** The lease row as it was before this acquisition (any holder, expired or not); null if none. */
  readonly previous: LeaseRow | null;

  private constructor(options: LeaseAcquireOptions, lease: LeaseRow, previous: LeaseRow | null) {
    this.previous = previous;
    this.#dialect = options.dialect;
    this.#clock = options.clock;
    this.#settings = options.settings;
    this.claim = { serverId: lease.holderServerId, epoch: lease.epoch };
    this.takenOverFrom =
      previous && previous.holderServerId !== lease.holderServerId && previous.expiresAt > lease.acquiredAt ? previous : null;
    this.#lost = new Promise((resolve) => {
      this.#markLost = resolve;
    });
  }

  /** Take the lease or throw LeaseHeldError naming the live holder. */
  static async acquire(options: LeaseAcquireOptions): Promise<NodeLease> {
    const acquisition = await options.dialect.acquireLease({
      serverId: options.serverId,
      hostname: options.hostname,
      now: options.clock(),
      ttlMs: options.settings.ttlMs,
      force: options.force,
    });
    if (!acquisition.ok) throw new LeaseHeldError(acquisition.holder);
    return new NodeLease(options, acquisition.lease, acquisition.previous);
  }

  /** Why this node no longer holds the lease, once it has been seen lost. */
  get lostReason(): LeaseLostError | undefined {
    return this.#lostError;
  }

  /** Resolves once, when a renewal or an append finds the lease held by another node or epoch. */
  get lost(): Promise<LeaseLostError> {
    return this.#lost;
  }

  lostBecause(error: LeaseLostError): void {
    if (this.#lostError) return;
    this.#lostError = error;
    this.stopRenewing();
    this.#markLost(error);
  }

  /**
   * Renew every renew-interval. A renewal that fails because the database cannot be reached is
   * not a loss (the row still names us; appends fail anyway until it is back): it is reported
   * and retried. Only a row naming another node or epoch ends the tenure.
   */
  startRenewing(onError: (error: unknown) => void): void {
    if (this.#timer || this.#lostError) return;
    let inFlight = false;
    this.#timer = setInterval(() => {
      if (inFlight) return; // a slow database must not pile renewals up
      inFlight = true;
      this.#dialect
        .renewLease(this.claim, this.#clock(), this.#settings.ttlMs)
        .then((renewal) => {
          if (!renewal.ok) this.lostBecause(new LeaseLostError(this.claim, renewal.current));
        }, onError)
        .finally(() => {
          inFlight = false;
        });
    }, this.#settings.renewIntervalMs);
    this.#timer.unref();
  }

  stopRenewing(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Clean stop: stop renewing and expire the lease now, so the next node need not wait out the TTL. */
  async release(): Promise<boolean> {
    this.stopRenewing();
    if (this.#lostError) return false;
    return this.#dialect.releaseLease(this.claim, this.#clock());
  }
}
