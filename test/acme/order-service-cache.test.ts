/**
 * The order service's memory of recent orders: the jobs a commit starts (validation, issuance)
 * run on `committed$` before the append that committed resolves, and load the order as that
 * commit left it — from memory, not by re-reading and re-decoding its stream — and never an
 * older state.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { acmeMemoryProjections, startAcmeServices, type AcmeServices } from "../../src/acme/acme-services.js";
import { jwkThumbprint, parsePublicJwk } from "../../src/acme/jws/public-jwk.js";
import { DEFAULTS } from "../../src/config/defaults.js";
import { normaliseIssuancePolicies } from "../../src/config/issuance-policies-schema.js";
import type { CerteasyConfig } from "../../src/config/index.js";
import { openNode, type NodeCore } from "../../src/node/open-node.js";
import type { Validator } from "../../src/validation/index.js";

const log = pino({ level: "silent" });
let workdir: string;

afterEach(async () => {
  if (workdir) await rm(workdir, { recursive: true, force: true });
});

function configFor(dir: string): Pick<CerteasyConfig, "workdir" | "acme" | "renewalInfo" | "dnsValidationProfiles" | "issuancePolicies" | "authorities" | "policyBindings" | "server"> {
  return {
    workdir: dir,
    server: { ...DEFAULTS.server, urls: [new URL("https://localhost:8443/")], remoteIpHeader: null, trustedProxies: [] },
    acme: { termsOfService: null, website: null, caaIdentities: [], ...DEFAULTS.acme },
    renewalInfo: DEFAULTS.renewalInfo,
    issuancePolicies: normaliseIssuancePolicies(undefined, []),
    authorities: [{ name: "local", type: "local", policies: [], disableCaRevocation: false }],
    policyBindings: [{ policy: "default", authorities: ["local"], strategy: "first_available" }],
    dnsValidationProfiles: [
      { name: "unused", timeoutMs: 1_000, zones: [], allowCidrs: [], denyCidrs: [], ports: { http01: 80, tlsAlpn01: 443 } },
    ],
  };
}

const openCore = (dir: string): Promise<NodeCore> =>
  openNode({
    workdir: dir,
    store: { driver: "sqlite", path: join(dir, "db.sqlite") },
    noddl: false,
    auditPath: join(dir, "audit.log"),
    log,
    memoryProjections: acmeMemoryProjections,
  });

const start = (core: NodeCore, validator: Validator): Promise<AcmeServices> =>
  startAcmeServices({ core, config: configFor(workdir), log: { validation: log, issuance: log }, validator });

const alwaysValid: Validator = async () => ({ status: "valid", address: "192.0.2.1" });

async function registerAccount(services: AcmeServices): Promise<string> {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" }) as { kty: "EC"; crv: "P-256"; x: string; y: string };
  const outcome = await services.accounts.register(
    { jwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, thumbprint: jwkThumbprint(parsePublicJwk(jwk)), contact: [], termsOfServiceAgreed: true, onlyReturnExisting: false },
    {},
  );
  if (outcome.kind === "rejected") throw new Error(outcome.error.detail);
  return outcome.account.accountId;
}

describe("orders in memory while their append is in flight", () => {
  it("a job started by a commit loads the committed order without re-reading its stream", async () => {
    workdir = await mkdtemp(join(tmpdir(), "certeasy-order-cache-"));
    const core = await openCore(workdir);
    const services = await start(core, alwaysValid);
    try {
      const accountId = await registerAccount(services);
      const created = await services.orders.create(accountId, { identifiers: [{ type: "dns", value: "cache.test" }] }, {});
      if (created.kind !== "ok") throw new Error("order refused");
      const { orderId } = created.order;
      const authorization = created.order.authorizations[0];
      const challenge = authorization?.challenges.find((c) => c.type === "http-01");
      if (!authorization || !challenge) throw new Error("no challenge");

      // Like the work queues: subscribed after the service, loading on the commit itself.
      const seen: { type: string; version: number; challengeStatus: string | undefined; orderStatus: string | undefined }[] = [];
      const loads: Promise<void>[] = [];
      const subscription = core.writer.committed$.subscribe((event) => {
        if (event.sid !== `order:${orderId}`) return;
        loads.push(
          services.orders.load(orderId).then(({ state, version }) => {
            const found = state?.authorizations.find((a) => a.authzId === authorization.authzId);
            seen.push({ type: event.type, version, challengeStatus: found?.challenges.find((c) => c.challengeId === challenge.challengeId)?.status, orderStatus: state?.status });
          }),
        );
      });
      const streamReads: string[] = [];
      const readStream = core.dialect.readStream.bind(core.dialect);
      core.dialect.readStream = (streamId) => {
        streamReads.push(streamId);
        return readStream(streamId);
      };

      const responded = await services.orders.change(orderId, () => ({ kind: "respond", authzId: authorization.authzId, challengeId: challenge.challengeId, thumbprint: "t".repeat(43) }), {});
      expect(responded.kind).toBe("ok");
      await expect.poll(async () => (await services.orders.order(orderId))?.status, { timeout: 5_000 }).toBe("ready");
      await Promise.all(loads);
      subscription.unsubscribe();

      // The challenge's commit, then the validation's: each load saw the state its commit left.
      const processing = seen.find((s) => s.type === "acme.challenge.processing");
      expect(processing).toMatchObject({ challengeStatus: "processing", orderStatus: "pending" });
      const validated = seen.find((s) => s.type === "acme.challenge.valid");
      expect(validated).toMatchObject({ challengeStatus: "valid", orderStatus: "ready" });
      expect(validated?.version).toBeGreaterThan(processing?.version ?? Infinity);
      // Neither those loads nor the validation job's went back to the stream.
      expect(streamReads).toEqual([]);
    } finally {
      await services.stop(1_000);
      await core.stop("shutdown");
    }
  });
});
