/**
 * The ACME services of one node, in process, on an SQLite file in a test's workdir: what the
 * tests of work that spans commits (validation and issuance jobs, resuming after a stop) start.
 */
import { generateKeyPairSync } from "node:crypto";
import { join } from "node:path";
import { pino } from "pino";
import { acmeMemoryProjections, startAcmeServices, type AcmeServices } from "../../src/acme/acme-services.js";
import { jwkThumbprint, parsePublicJwk } from "../../src/acme/jws/public-jwk.js";
import { DEFAULTS } from "../../src/config/defaults.js";
import { normaliseIssuancePolicies } from "../../src/config/issuance-policies-schema.js";
import type { CerteasyConfig } from "../../src/config/index.js";
import { openNode, type NodeCore } from "../../src/node/open-node.js";
import type { Validator } from "../../src/validation/index.js";

const log = pino({ level: "silent" });

export function servicesConfigFor(dir: string): Pick<CerteasyConfig, "workdir" | "acme" | "renewalInfo" | "dnsValidationProfiles" | "issuancePolicies" | "authorities" | "policyBindings" | "server"> {
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

/** The node (event log, writer, audit file) on `<dir>/db.sqlite`. */
export const openCore = (dir: string): Promise<NodeCore> =>
  openNode({
    workdir: dir,
    store: { driver: "sqlite", path: join(dir, "db.sqlite") },
    noddl: false,
    auditPath: join(dir, "audit.log"),
    log,
    memoryProjections: acmeMemoryProjections,
  });

export const startServices = (core: NodeCore, dir: string, validator: Validator): Promise<AcmeServices> =>
  startAcmeServices({ core, config: servicesConfigFor(dir), log: { validation: log, issuance: log }, validator });

/** A validator that finds every challenge in place. */
export const alwaysValid: Validator = async () => ({ status: "valid", address: "192.0.2.1" });

/** A new account with a fresh P-256 key; its id. */
export async function registerAccount(services: AcmeServices): Promise<string> {
  const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const jwk = publicKey.export({ format: "jwk" }) as { kty: "EC"; crv: "P-256"; x: string; y: string };
  const outcome = await services.accounts.register(
    { jwk: { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }, thumbprint: jwkThumbprint(parsePublicJwk(jwk)), contact: [], termsOfServiceAgreed: true, onlyReturnExisting: false },
    {},
  );
  if (outcome.kind === "rejected") throw new Error(outcome.error.detail);
  return outcome.account.accountId;
}

export interface OrderWithChallenge {
  readonly orderId: string;
  readonly authzId: string;
  /** the http-01 challenge of the order's one authorization */
  readonly challengeId: string;
}

/** A new order of the account for one DNS name; its http-01 challenge is not answered yet. */
export async function orderWithChallenge(services: AcmeServices, accountId: string, name: string): Promise<OrderWithChallenge> {
  const created = await services.orders.create(accountId, { identifiers: [{ type: "dns", value: name }] }, {});
  if (created.kind !== "ok") throw new Error(`order for ${name} refused: ${created.error.detail}`);
  const authorization = created.order.authorizations[0];
  const challenge = authorization?.challenges.find((c) => c.type === "http-01");
  if (!authorization || !challenge) throw new Error("no http-01 challenge");
  return { orderId: created.order.orderId, authzId: authorization.authzId, challengeId: challenge.challengeId };
}

/** A new order for `name` whose http-01 challenge the client has answered: validation is under way. */
export async function respondedOrder(services: AcmeServices, accountId: string, name: string): Promise<OrderWithChallenge> {
  const order = await orderWithChallenge(services, accountId, name);
  const responded = await services.orders.change(order.orderId, () => ({ kind: "respond", authzId: order.authzId, challengeId: order.challengeId, thumbprint: "t".repeat(43) }), {});
  if (responded.kind !== "ok") throw new Error(`challenge answer refused: ${responded.error.detail}`);
  return order;
}
