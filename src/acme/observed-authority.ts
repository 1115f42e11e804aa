/**
 * Certificate authority calls timed in one place (issue 6, `/metrics` "CA latency"): every
 * authority opened by openAuthorities is wrapped, so issuance, polling, revocation propagation,
 * health probes and pki TLS bundles are all measured without any backend knowing. The outcome is
 * a short fixed word, never an error message, to keep the label set bounded.
 */
import {
  AuthorityUnavailableError,
  RevocationUnsupportedError,
  SubmissionInDoubtError,
  type AuthorityHealth,
  type CertificateAuthority,
  type SubmitOutcome,
} from "../ca/authority.js";

export type AuthorityOperation = "submit" | "poll" | "revoke" | "health";

export interface AuthorityCall {
  readonly authority: string;
  readonly operation: AuthorityOperation;
  /** submit/poll: issued, pending, denied; revoke: revoked; health: healthy, unhealthy; or a failure kind */
  readonly outcome: string;
  readonly seconds: number;
}

export type AuthorityCallObserver = (call: AuthorityCall) => void;

/** How a failed call is labelled: the error classes callers already tell apart. */
function failureOutcome(error: unknown): string {
  if (error instanceof AuthorityUnavailableError) return "unavailable";
  if (error instanceof SubmissionInDoubtError) return "in-doubt";
  if (error instanceof RevocationUnsupportedError) return "unsupported";
  return "error";
}

export function observedAuthority(authority: CertificateAuthority, observe: AuthorityCallObserver): CertificateAuthority {
  const timed = async <T>(operation: AuthorityOperation, call: () => Promise<T>, outcomeOf: (result: T) => string): Promise<T> => {
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await call();
      observe({ authority: authority.name, operation, outcome: outcomeOf(result), seconds: seconds() });
      return result;
    } catch (error) {
      observe({ authority: authority.name, operation, outcome: failureOutcome(error), seconds: seconds() });
      throw error;
    }
  };
  const submitOutcome = (outcome: SubmitOutcome): string => outcome.kind;
  const timedCalls: Pick<CertificateAuthority, AuthorityOperation> = {
    submit: (request) => timed("submit", () => authority.submit(request), submitOutcome),
    poll: (requestId) => timed("poll", () => authority.poll(requestId), submitOutcome),
    revoke: (serialHex, reasonCode, revokedAt, notAfter) => timed("revoke", () => authority.revoke(serialHex, reasonCode, revokedAt, notAfter), () => "revoked"),
    health: () => timed("health", () => authority.health(), (health: AuthorityHealth) => (health.healthy ? "healthy" : "unhealthy")),
  };
  // A proxy, not a copy: whatever else a backend offers (the embedded CA's issuing certificate,
  // read by pki TLS bundles) stays visible, and its methods keep their own `this` (private fields).
  return new Proxy(authority, {
    get(target, property) {
      if (typeof property === "string" && property in timedCalls) return timedCalls[property as AuthorityOperation];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
