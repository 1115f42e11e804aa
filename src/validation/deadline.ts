/**
 * The one time budget of a validation attempt (profile `timeout`, reference §3.4). Every wait —
 * DNS, connect, TLS handshake, HTTP response — hangs off `signal`, so nothing outlives it. When
 * several addresses or DNS servers are tried in turn, each attempt gets a fair share of what is
 * left, so one black-holed address cannot eat the time the next one needed.
 */
import { setMaxListeners } from "node:events";

export class Deadline {
  private constructor(
    readonly signal: AbortSignal,
    readonly timeoutMs: number,
    private readonly expiresAt: number,
  ) {}

  static start(timeoutMs: number, outer?: AbortSignal): Deadline {
    const budget = Math.max(1, Math.floor(timeoutMs));
    const timeout = AbortSignal.timeout(budget);
    const signal = outer === undefined ? timeout : AbortSignal.any([timeout, outer]);
    // Each redirect hop, address and query listens for a moment; a long redirect chain is not a leak.
    setMaxListeners(64, signal);
    return new Deadline(signal, budget, Date.now() + budget);
  }

  remainingMs(): number {
    return Math.max(0, this.expiresAt - Date.now());
  }

  /** A signal for the next of `attemptsLeft` attempts: the deadline, or its share of the time left. */
  attempt(attemptsLeft: number): AbortSignal {
    if (attemptsLeft <= 1) return this.signal;
    const share = Math.max(1, Math.floor(this.remainingMs() / attemptsLeft));
    return AbortSignal.any([this.signal, AbortSignal.timeout(share)]);
  }
}

/** Thrown into a socket or query that a deadline (or the caller's signal) cut short. */
export class ValidationAborted extends Error {
  override readonly name = "ValidationAborted";
  constructor(readonly phrase: string) {
    super(phrase);
  }
}

/** "timed out" when a timer fired, "was cancelled by the server" when the caller aborted. */
export function abortPhrase(signal: AbortSignal): string {
  return abortKind(signal) === "timeout" ? "timed out" : "was cancelled by the server";
}

/** A timer (`AbortSignal.timeout`) fired, or someone called `abort()`. */
export function abortKind(signal: AbortSignal): "timeout" | "cancelled" {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name === "TimeoutError" ? "timeout" : "cancelled";
}

export function abortedBy(signal: AbortSignal): ValidationAborted {
  return new ValidationAborted(abortPhrase(signal));
}
