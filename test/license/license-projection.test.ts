/**
 * The license projection and the pure license checks (issue 5): managed servers counted from
 * certificate events (distinct accounts with an unexpired, unrevoked certificate), the license
 * installed last, the newOrder check with renewals always accepted, and the boot decision.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { LicenseInstalled, type Entitlement } from "../../events/index.js";
import { licenseProjection, type LicenseState } from "../../projections/index.js";
import { checkManagedServers, decideBoot, FREE_LIMITS, licenseStanding, limitsOf } from "../../src/domain/license/index.js";
import { certificateIssued, certificateRevoked, HOUR, iso, Log, T0 } from "../ratelimit/support.js";

const DAY = 24 * HOUR;
const HASH = "c".repeat(64);

const fold = (log: Log): LicenseState => {
  const projection = licenseProjection();
  return log.events.reduce((state, event) => projection.evolve(state, event), projection.initial);
};

const entitlement = (overrides: Partial<Entitlement> = {}): Entitlement => ({
  plan: "starter",
  licenseId: "CRT-A",
  issuedAt: iso(T0 - DAY),
  expiresAt: iso(T0 + 30 * DAY),
  maxManagedServers: 2,
  maxCas: 2,
  allowedDbs: ["sqlite"],
  ...overrides,
});

describe("managed servers", () => {
  it("counts distinct accounts with an active certificate: a second certificate of the same account adds nothing", () => {
    const log = new Log();
    const [a, b] = [randomUUID(), randomUUID()];
    log.append(certificateIssued(a, HASH, T0), T0);
    log.append(certificateIssued(a, HASH, T0 + HOUR), T0 + HOUR);
    log.append(certificateIssued(b, HASH, T0 + 2 * HOUR), T0 + 2 * HOUR);
    const { servers } = fold(log);
    expect(servers.count(T0 + 3 * HOUR)).toBe(2);
    expect(servers.isManaged(a, T0 + 3 * HOUR)).toBe(true);
    expect(servers.isManaged(randomUUID(), T0 + 3 * HOUR)).toBe(false);
    expect(servers.count(T0 + 3 * HOUR, 1)).toBe(1);
  });

  it("frees the slot when the account's last active certificate is revoked, not before", () => {
    const log = new Log();
    const a = randomUUID();
    const [first, second] = [randomUUID(), randomUUID()];
    log.append(certificateIssued(a, HASH, T0, first), T0);
    log.append(certificateIssued(a, HASH, T0, second), T0);
    log.append(certificateRevoked(first, a), T0 + HOUR);
    expect(fold(log).servers.count(T0 + 2 * HOUR)).toBe(1);
    log.append(certificateRevoked(second, a), T0 + 2 * HOUR);
    expect(fold(log).servers.count(T0 + 3 * HOUR)).toBe(0);
  });

  it("frees the slot once the certificate passes its notAfter (90 days here), and forgets lapsed accounts", () => {
    const log = new Log();
    const a = randomUUID();
    log.append(certificateIssued(a, HASH, T0), T0);
    const { servers } = fold(log);
    expect(servers.count(T0 + 90 * DAY - 1)).toBe(1);
    expect(servers.count(T0 + 90 * DAY)).toBe(0);
    // A later issuance to someone else drops the lapsed account; the count stays right either way.
    log.append(certificateIssued(randomUUID(), HASH, T0 + 100 * DAY), T0 + 100 * DAY);
    const later = fold(log).servers;
    expect(later.isManaged(a, T0 + 100 * DAY)).toBe(false);
    expect(later.count(T0 + 100 * DAY)).toBe(1);
  });

  it("keeps the license installed last, and a rebuild from the same log gives the same answers", () => {
    const log = new Log();
    log.append(LicenseInstalled.create({ token: "a.b.c", entitlement: entitlement({ licenseId: "CRT-OLD" }), misfits: [] }), T0);
    log.append(LicenseInstalled.create({ token: "d.e.f", entitlement: entitlement({ licenseId: "CRT-NEW" }), misfits: [] }), T0 + 1);
    log.append(certificateIssued(randomUUID(), HASH, T0), T0 + 2);
    const [one, two] = [fold(log), fold(log)];
    expect(one.installed).toMatchObject({ token: "d.e.f", entitlement: { licenseId: "CRT-NEW" }, installedAt: iso(T0 + 1) });
    expect(two.installed).toEqual(one.installed);
    expect(two.servers.count(T0 + HOUR)).toBe(one.servers.count(T0 + HOUR));
    expect(one.servers).not.toBe(two.servers);
  });
});

describe("the newOrder check", () => {
  const limits = limitsOf(entitlement({ maxManagedServers: 1 }));

  it("refuses an account that would be one managed server too many (managed_servers_exceeded)", () => {
    expect(checkManagedServers(limits, { accountIsManaged: false, managedServers: 0 })).toEqual({ ok: true });
    const verdict = checkManagedServers(limits, { accountIsManaged: false, managedServers: 1 });
    expect(verdict).toMatchObject({ ok: false, reason: "managed_servers_exceeded", maxManagedServers: 1 });
    expect(!verdict.ok && verdict.detail).toMatch(/allows 1 managed servers/);
  });

  it("always accepts an account already managed: its renewals and re-issues do not add to the count", () => {
    expect(checkManagedServers(limits, { accountIsManaged: true, managedServers: 5 })).toEqual({ ok: true });
  });

  it("accepts everyone under an unlimited license, and no newcomer under a zero one", () => {
    expect(checkManagedServers(limitsOf(entitlement({ maxManagedServers: null })), { accountIsManaged: false, managedServers: 10_000 })).toEqual({ ok: true });
    expect(checkManagedServers(limitsOf(entitlement({ maxManagedServers: 0 })), { accountIsManaged: false, managedServers: 0 })).toMatchObject({
      ok: false,
      reason: "max_managed_servers_zero",
    });
  });
});

describe("the boot decision", () => {
  const installed = (overrides: Partial<Entitlement> = {}) => ({ entitlement: entitlement(overrides) });
  const sqliteOneCa = { driver: "sqlite" as const, authorities: ["local"] };
  const now = new Date(T0);

  it("boots the Free plan's configuration without a license, and refuses more (NO LICENSE)", () => {
    expect(decideBoot({ installed: null, signatureProblem: null, config: sqliteOneCa, now })).toMatchObject({ kind: "allowed", standing: { kind: "none", limits: FREE_LIMITS } });
    const verdict = decideBoot({ installed: null, signatureProblem: null, config: { driver: "postgres", authorities: ["a", "b"] }, now });
    expect(verdict).toMatchObject({ kind: "refused", title: "BOOT REFUSED (NO LICENSE)" });
    expect(verdict.kind === "refused" && verdict.reasons.join("\n")).toMatch(/database.driver is postgres[\s\S]*2 authorities are declared \(a, b\), but the free plan allows 1/);
  });

  it("refuses a configuration the license does not allow (LICENSE DEGRADED)", () => {
    const verdict = decideBoot({ installed: installed({ maxCas: 1 }), signatureProblem: null, config: { driver: "sqlite", authorities: ["a", "b"] }, now });
    expect(verdict).toMatchObject({ kind: "refused", title: "BOOT REFUSED (LICENSE DEGRADED)" });
  });

  it("boots within 7 days of expiry (grace), refuses after (LICENSE EXPIRED)", () => {
    const expired = installed({ expiresAt: iso(T0 - 6 * DAY) });
    expect(decideBoot({ installed: expired, signatureProblem: null, config: sqliteOneCa, now })).toMatchObject({ kind: "allowed", standing: { kind: "grace" } });
    const lapsed = installed({ expiresAt: iso(T0 - 7 * DAY) });
    expect(decideBoot({ installed: lapsed, signatureProblem: null, config: sqliteOneCa, now })).toMatchObject({ kind: "refused", title: "BOOT REFUSED (LICENSE EXPIRED)" });
    // Past the grace the license's limits no longer apply at runtime either: the Free plan's do.
    expect(licenseStanding(lapsed, now)).toMatchObject({ kind: "lapsed", limits: FREE_LIMITS });
  });

  it("refuses an installed license that no longer verifies (LICENSE ERROR)", () => {
    expect(decideBoot({ installed: installed(), signatureProblem: "no trusted key", config: sqliteOneCa, now })).toMatchObject({
      kind: "refused",
      title: "BOOT REFUSED (LICENSE ERROR)",
    });
  });
});
