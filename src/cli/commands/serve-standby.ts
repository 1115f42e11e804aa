/**
 * The standby phase of `certeasy serve --standby` (`lease.standby: true`): the node core stands
 * by (src/node/standby.ts) while the HTTPS listener is already up, so a load balancer sees a
 * live process whose `/readyz` fails with the reason "standby", and every ACME request gets 503
 * `serverInternal` with Retry-After. At takeover the same listener, TLS certificates and nonce
 * service carry on with the full ACME app swapped in (a nonce this node handed out in a 503 is
 * still good); the serve command then runs its normal boot on the core the standby handed back.
 */
import { join } from "node:path";
import type { Hono } from "hono";
import type { CerteasyConfig } from "../../config/index.js";
import type { MemoryProjection } from "../../../projections/index.js";
import type { NonceService } from "../../acme/nonces/nonce-service.js";
import { localCaKeyPassword } from "../../acme/authorities.js";
import { ensureLocalRootCa } from "../../ca/local/bootstrap.js";
import { createAcmeApp } from "../../http/app.js";
import { acmePaths } from "../../http/acme-paths.js";
import type { AcmeEnv } from "../../http/env.js";
import { startHttpsServer, type HttpsListener } from "../../http/listener.js";
import type { Logger } from "../../log/logger.js";
import type { NodeCore, NodeOptions } from "../../node/open-node.js";
import { openStandby } from "../../node/standby.js";
import { StandbyRefusedError } from "../../node/standby-topology.js";
import type { CerteasyMetrics } from "../../observability/metrics.js";
import type { TlsCertificateManager } from "../../tls/manager.js";
import { bundleAuthority, startTlsCertificateManager } from "../../tls/start-manager.js";

/** The listener a standby keeps up, handed to the active phase with the app to swap in. */
export interface FrontDoor {
  readonly listener: HttpsListener;
  readonly tls: TlsCertificateManager;
  serve(app: Hono<AcmeEnv>): void;
}

export type StandbyOutcome = { readonly kind: "stopped" } | { readonly kind: "active"; readonly core: NodeCore; readonly front: FrontDoor };

export interface StandbyPhaseOptions {
  readonly config: CerteasyConfig;
  readonly log: Logger;
  readonly node: NodeOptions;
  readonly memoryProjections: readonly MemoryProjection<unknown>[];
  readonly metrics: CerteasyMetrics;
  readonly nonces: NonceService;
  readonly clock: () => Date;
  readonly stopSignal: Promise<NodeJS.Signals>;
}

/**
 * A bundle issued by an authority (named, or the embedded CA on the operator's files) needs that
 * authority open, which only the active phase does.
 */
function refuseAuthorityBundles(config: CerteasyConfig): void {
  for (const bundle of config.tlsCertificateManager.bundles) {
    const authority = bundle.mode === "pki" ? bundleAuthority(config, bundle) : null;
    if (authority === null) continue;
    throw new StandbyRefusedError(
      `lease.standby: tls-certificate-manager bundle ${bundle.name} is issued by the authority ${authority} (mode pki), which a standby does not open; ` +
        "use mode files or the bootstrap CA for the server certificate of a standby",
    );
  }
}

export async function standBy(options: StandbyPhaseOptions): Promise<StandbyOutcome> {
  const { config, log, clock } = options;
  const main = log.service("main");
  refuseAuthorityBundles(config);
  const standby = await openStandby({ ...options.node, memoryProjections: options.memoryProjections, clock });
  let tls: TlsCertificateManager | undefined;
  let listener: HttpsListener | undefined;
  try {
    const ca = await ensureLocalRootCa(join(config.workdir, "local-ca"), { now: clock, keyPassword: await localCaKeyPassword(config.authorities, config.workdir) });
    tls = await startTlsCertificateManager({ config, authorities: new Map(), rootCa: ca, registry: options.metrics.registry, clock, log: log.service("http-server") });
    let current: Hono<AcmeEnv> = createAcmeApp({
      serverUrls: config.server.urls.map((u) => u.href),
      maxBodyBytes: config.server.maxBodyBytes,
      readiness: () => standby.readiness(),
      metrics: options.metrics,
      clientIp: { remoteIpHeader: config.server.remoteIpHeader, trustedProxies: config.server.trustedProxies },
      log: log.service("acme-server"),
      nonces: options.nonces,
      standingBy: () => true,
    });
    listener = await startHttpsServer({
      app: { fetch: (request: Request, env?: unknown) => current.fetch(request, env) },
      host: config.server.listen.host,
      port: config.server.listen.port,
      tls,
      timeouts: config.server,
      log: log.service("http-server"),
    });
    const directoryUrl = `${config.server.urls[0]?.href.replace(/\/+$/, "")}${acmePaths.directory}`;
    main.info({ directoryUrl, listening: listener.url }, "certeasy is standing by: ACME is answered 503 until this node takes over");
    process.stdout.write(`Standing by (ACME directory once active: ${directoryUrl})\n`);

    const next = await Promise.race([options.stopSignal.then((signal) => ({ signal })), standby.activated.then((core) => ({ core }))]);
    if ("core" in next) {
      main.warn({ serverId: next.core.serverId, epoch: next.core.lease.claim.epoch }, "this standby took the writer lease: booting to serve ACME");
      const front: FrontDoor = {
        listener,
        tls,
        serve: (app) => {
          current = app;
        },
      };
      return { kind: "active", core: next.core, front };
    }
    await listener.close(config.server.shutdownTimeoutMs);
    await tls.close();
    // A takeover already under way finishes first; the node then stops as after any boot.
    const core = await standby.stop();
    await core?.stop("signal", next.signal);
    main.info("certeasy stopped (standby)");
    return { kind: "stopped" };
  } catch (error) {
    await listener?.close(0).catch(() => undefined);
    await tls?.close().catch(() => undefined);
    const core = await standby.stop().catch(() => null);
    await core?.stop("fatal");
    throw error;
  }
}
