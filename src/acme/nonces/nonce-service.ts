/**
 * Anti-replay nonces (RFC 8555 §6.5), owned by the active node and held in memory only.
 *
 * - Per-boot random secret: nonces from an earlier boot or another node are `unknown`
 *   (the behaviour reference: "every nonce in flight becomes invalid when the server restarts").
 * - Single use: each nonce's counter has one bit in a fixed-size issued window.
 * - Valid for 2 minutes from issue (DESIGN §5), measured with the injected clock.
 *
 * Memory bound: the window holds `windowSize` bits (default 2^22 = 4,194,304 nonces in 512 KiB)
 * and nothing else grows. A nonce pushed out by `windowSize` newer ones is refused (`evicted`).
 * That is safe: a refused client gets `badNonce` plus a fresh nonce and retries (RFC 8555 §6.5),
 * and with the default size eviction only ever beats expiry when the node issues more than
 * 2^22 / 120 s ≈ 35,000 nonces per second for two minutes — above what one node serves (every
 * response issues one, and the dependency measurements put an empty Hono response at about
 * 30,000/s per core), and far above what the per-IP `global` rate limit admits.
 */
import { randomBytes } from "node:crypto";
import { IssuedWindow } from "./issued-window.js";
import { decodeNonceToken, encodeNonceToken } from "./nonce-token.js";

/** RFC 8555 leaves the lifetime to the server; the product uses two minutes. */
export const NONCE_TTL_MS = 2 * 60 * 1000;
export const DEFAULT_NONCE_WINDOW_SIZE = 2 ** 22;

export type NonceVerdict =
  | "ok"
  /** Not a nonce this process issued: forged, garbage, or from another boot or node. */
  | "unknown"
  /** Issued here, but two minutes or more ago. */
  | "expired"
  /** Issued here and already consumed by an earlier request. */
  | "reused"
  /** Issued here, but so many newer nonces followed that its bit was recycled. */
  | "evicted";

export interface NonceServiceOptions {
  readonly clock: () => Date;
  /** HMAC key; a fresh 32 random bytes per process unless a test injects one. */
  readonly secret?: Uint8Array;
  /** Power of two; see the memory bound above. */
  readonly windowSize?: number;
  readonly ttlMs?: number;
}

export class NonceService {
  readonly #clock: () => Date;
  readonly #secret: Uint8Array;
  readonly #window: IssuedWindow;
  readonly #ttlMs: number;

  constructor(options: NonceServiceOptions) {
    this.#clock = options.clock;
    this.#secret = options.secret ?? randomBytes(32);
    this.#window = new IssuedWindow(options.windowSize ?? DEFAULT_NONCE_WINDOW_SIZE);
    this.#ttlMs = options.ttlMs ?? NONCE_TTL_MS;
  }

  issue(): string {
    const counter = this.#window.issueNext();
    return encodeNonceToken(this.#secret, { counter, issuedAtMs: this.#clock().getTime() });
  }

  /** Checks and spends `nonce`; only the first call for an issued, fresh nonce returns "ok". */
  consume(nonce: string): NonceVerdict {
    const fields = decodeNonceToken(this.#secret, nonce);
    if (!fields) return "unknown";
    if (this.#clock().getTime() - fields.issuedAtMs >= this.#ttlMs) return "expired";
    switch (this.#window.take(fields.counter)) {
      case "unused":
        return "ok";
      case "used":
        return "reused";
      case "evicted":
        return "evicted";
      case "never-issued":
        return "unknown";
    }
  }

  /** What the service holds in memory: fixed at construction, whatever the traffic. */
  footprint(): { readonly windowSize: number; readonly bytes: number; readonly issued: number } {
    return { windowSize: this.#window.size, bytes: this.#window.byteLength, issued: this.#window.highest };
  }
}
