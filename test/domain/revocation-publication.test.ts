/**
 * Revocation propagation decided from its stream alone (behaviour reference §2.4): the first
 * attempt, back-off after a transient failure, skip when the authority keeps revocations local,
 * give-up at the deadline, and the pending-revocations projection that rebuilds the queue at boot.
 */
import { describe, expect, it } from "vitest";
import {
  CertificateRevoked,
  RevocationPublishFailed,
  RevocationPublished,
  RevocationPublishing,
  upcast,
  type PendingEvent,
  type StoredEvent,
} from "../../events/index.js";
import { pendingRevocationsProjection } from "../../projections/index.js";
import { chainedLog } from "../support/chained-log.js";
import {
  attemptOutcome,
  foldPublication,
  nextStep,
  retryDelayMs,
  type PublicationPolicy,
  type RevokedCertificate,
} from "../../src/domain/revocation/publication.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
const policy: PublicationPolicy = { firstRetryMs: MIN, maxRetryMs: HOUR, deadlineMs: 168 * HOUR };
const revokedAt = Date.parse("2026-11-30T08:00:00.000Z");
const certificate: RevokedCertificate = {
  certificateId: "0193a0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6d",
  authority: "corp-adcs",
  serial: "61000000",
  revokedAt,
  notPublishedBecause: null,
};
const { certificateId, authority } = certificate;

const fold = (events: readonly PendingEvent[]) => foldPublication(events.map((e) => upcast(e.type, e.v, e.data)));
const types = (events: readonly PendingEvent[]) => events.map((e) => e.type);

describe("the next step of a propagation", () => {
  it("records the first attempt before the authority is asked", () => {
    const step = nextStep(fold([]), certificate, policy, revokedAt);
    expect(step).toMatchObject({ kind: "attempt", attempt: 1 });
    expect(step.kind === "attempt" && step.events.map((e) => e.data)).toEqual([{ certificateId, authority, serial: "61000000", attempt: 1 }]);
  });

  it("skips, with the reason, an authority that keeps revocations in Certeasy", () => {
    const step = nextStep(fold([]), { ...certificate, notPublishedBecause: "disable-ca-revocation" }, policy, revokedAt);
    expect(step.kind === "end" && step.events.map((e) => [e.type, e.data])).toEqual([["acme.revocation.skipped", { certificateId, authority, reason: "disable-ca-revocation" }]]);
  });

  it("waits for the back-off a failed attempt chose, then tries again with the next number", () => {
    const failedAt = revokedAt + 1000;
    const history = [
      RevocationPublishing.create({ certificateId, authority, serial: "61000000", attempt: 1 }),
      ...attemptOutcome(certificate, 1, { kind: "unavailable", error: "RPC server unavailable" }, policy, failedAt),
    ];
    expect(types(history)).toEqual(["acme.revocation.publishing", "acme.revocation.publish-failed"]);
    expect(nextStep(fold(history), certificate, policy, failedAt + MIN - 1)).toEqual({ kind: "wait", until: failedAt + MIN });
    expect(nextStep(fold(history), certificate, policy, failedAt + MIN)).toMatchObject({ kind: "attempt", attempt: 2 });
  });

  it("makes an attempt again when the last one has no recorded outcome (a crash during the call)", () => {
    const history = [RevocationPublishing.create({ certificateId, authority, serial: "61000000", attempt: 3 })];
    expect(nextStep(fold(history), certificate, policy, revokedAt)).toMatchObject({ kind: "attempt", attempt: 4 });
  });

  it("does nothing once published", () => {
    const history = [
      RevocationPublishing.create({ certificateId, authority, serial: "61000000", attempt: 1 }),
      RevocationPublished.create({ certificateId, authority, attempt: 1 }),
    ];
    expect(nextStep(fold(history), certificate, policy, revokedAt + 1)).toEqual({ kind: "done" });
  });

  it("abandons after the deadline, naming the last error", () => {
    const history = [
      RevocationPublishing.create({ certificateId, authority, serial: "61000000", attempt: 7 }),
      RevocationPublishFailed.create({ certificateId, authority, attempt: 7, error: "access denied", nextAttemptAt: new Date(revokedAt + 168 * HOUR).toISOString() }),
    ];
    const step = nextStep(fold(history), certificate, policy, revokedAt + 168 * HOUR);
    expect(step.kind === "end" && step.events.map((e) => [e.type, e.data])).toEqual([
      ["acme.revocation.abandoned", { certificateId, authority, attempts: 7, reason: expect.stringMatching(/within 168 h.*last error: access denied.*by hand/) }],
    ]);
  });

  it("still makes a first attempt after a long outage", () => {
    expect(nextStep(fold([]), certificate, policy, revokedAt + 400 * HOUR)).toMatchObject({ kind: "attempt", attempt: 1 });
  });
});

describe("the outcome of an attempt", () => {
  it("doubles the pause from one minute up to an hour", () => {
    expect([1, 2, 3, 6, 7, 8, 50].map((n) => retryDelayMs(n, policy) / MIN)).toEqual([1, 2, 4, 32, 60, 60, 60]);
  });

  it("publishes, skips an authority that cannot revoke, and gives up at once on a refusal", () => {
    expect(types(attemptOutcome(certificate, 2, { kind: "published" }, policy, revokedAt))).toEqual(["acme.revocation.published"]);
    expect(attemptOutcome(certificate, 1, { kind: "unsupported", error: "Web Enrollment cannot revoke" }, policy, revokedAt).map((e) => e.data)).toEqual([
      { certificateId, authority, reason: "Web Enrollment cannot revoke" },
    ]);
    const refused = attemptOutcome(certificate, 1, { kind: "refused", error: "reason 9 cannot be sent to ADCS" }, policy, revokedAt);
    expect(types(refused)).toEqual(["acme.revocation.publish-failed", "acme.revocation.abandoned"]);
    expect(refused[0]?.data).toMatchObject({ nextAttemptAt: null });
  });

  it("gives up instead of scheduling an attempt past the deadline", () => {
    const late = revokedAt + 168 * HOUR - 30_000;
    const events = attemptOutcome(certificate, 9, { kind: "unavailable", error: "timeout" }, policy, late);
    expect(types(events)).toEqual(["acme.revocation.publish-failed", "acme.revocation.abandoned"]);
  });
});

describe("pending revocations (the queue rebuilt at boot)", () => {
  const stored = (events: Parameters<typeof chainedLog>[0]): StoredEvent[] => chainedLog(events, revokedAt);
  const other = "0193a0c4-5e6f-7a8b-9c0d-1e2f3a4b5c6e";
  const revoked = (id: string) =>
    ({ sid: "order:0193a0c4-0000-7000-8000-000000000001", event: CertificateRevoked.create({ certificateId: id, reason: 1, authorisedBy: "issuing-account", accountId: null }) });

  it("holds revoked certificates until their propagation ends, failures included", () => {
    const log = stored([
      revoked(certificateId),
      revoked(other),
      { sid: `revocation:${certificateId}`, event: RevocationPublishing.create({ certificateId, authority, serial: "61000000", attempt: 1 }) },
      { sid: `revocation:${certificateId}`, event: RevocationPublishFailed.create({ certificateId, authority, attempt: 1, error: "down", nextAttemptAt: null }) },
      { sid: `revocation:${other}`, event: RevocationPublished.create({ certificateId: other, authority, attempt: 1 }) },
    ]);
    const state = log.reduce(pendingRevocationsProjection.evolve, pendingRevocationsProjection.initial);
    expect([...state]).toEqual([[certificateId, revokedAt]]);
  });
});
