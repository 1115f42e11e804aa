/**
 * `certeasy serve -f config.yml`: validate the config (same gate as `validate`), boot the node
 * core, check the license (reference §8.3: a configuration the license or the Free plan does not
 * allow is refused with a banner on stderr and exit 1), obtain the server's own HTTPS
 * certificates (tls-certificate-manager), listen, and drain on SIGTERM or SIGINT (reference
 * §11.4): stop accepting, finish in-flight requests within
 * `server.shutdown-timeout`, record node.stopped and the shutdown line, close, exit 0.
 *
 * A node that loses the writer lease (another node was started with --force-takeover, or a
 * standby took it after this one stopped renewing: paused, partitioned) answers every ACME
 * request 503 from that moment, drains the same way, and exits 1 (DESIGN §2 invariant 8): a
 * supervisor restarting it finds it refused until the other node stops — or restarts it with
 * --standby. `--standby` first stands by (serve-standby.ts), then boots as below.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { configWarnings, type CerteasyConfig } from "../../config/index.js";
import { acmeMemoryProjections, startAcmeServices, type AcmeServices } from "../../acme/acme-services.js";
import { localCaKeyPassword, providedCaFiles } from "../../acme/authorities.js";
import { DenialRecorder, RateLimiter, rateLimitProjection } from "../../ratelimit/index.js";
import { startAdminChannel } from "../../admin/index.js";
import { licenseProjection } from "../../../projections/index.js";
import { bootRefusedCommand, licensedConfiguration, loadTrustedKeys, startNodeLicensing } from "../../license/index.js";
import { NonceService } from "../../acme/nonces/nonce-service.js";
import { createAcmeApp } from "../../http/app.js";
import { acmePaths } from "../../http/acme-paths.js";
import { startHttpsServer } from "../../http/listener.js";
import { ensureLocalRootCa } from "../../ca/local/bootstrap.js";
import type { Logger } from "pino";
import { createLogger } from "../../log/logger.js";
import { openNode, type NodeCore } from "../../node/open-node.js";
import { authorityReadiness, nodeReadiness } from "../../node/readiness.js";
import { CerteasyMetrics } from "../../observability/metrics.js";
import { metricsMemoryProjections, nodeMetricSources, orderStatusCountsOf } from "../../observability/node-sources.js";
import type { TlsCertificateManager } from "../../tls/manager.js";
import { operatorProvidedCa, startTlsCertificateManager } from "../../tls/start-manager.js";
import { nodeOptions, readServerId, requireConfigFile } from "../context.js";
import { renderProbe, runBootProbe } from "./serve-probe.js";
import { standBy, type FrontDoor } from "./serve-standby.js";
import { EXIT_FAILURE, EXIT_OK, runCommand, UsageError } from "../run.js";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the ACME server")
    .option("-f, --file <config>", "configuration file")
    .option("--force-takeover", "take the writer lease even from a node that still holds it (only when you know that node is dead)")
    .option("--probe", "check that this node can start (database, lease, audit file, CAs, TLS certificate), print each check, exit 0/1")
    .option("--standby", "run as a warm standby (lease.standby): answer ACME 503, follow the log, take over when the active node's lease expires")
    .action(
      runCommand(async (opts: { file?: string; forceTakeover?: boolean; probe?: boolean; standby?: boolean }) => {
        const config = requireConfigFile(opts.file);
        if (opts.probe) return probe(config);
        const standby = opts.standby === true || config.lease.standby;
        if (standby && opts.forceTakeover) throw new UsageError("--standby waits for the lease to expire; --force-takeover takes it at once: use one or the other");
        return serve(config, { forceTakeover: opts.forceTakeover === true, standby });
      }),
    );
}

async function probe(config: CerteasyConfig): Promise<number> {
  const log = createLogger(config.logs).service("main");
  const checks = await runBootProbe(config, log);
  process.stdout.write(renderProbe(await readServerId(config.workdir), checks));
  return checks.every((c) => c.ok) ? EXIT_OK : EXIT_FAILURE;
}

async function serve(config: CerteasyConfig, options: { readonly forceTakeover: boolean; readonly standby: boolean }): Promise<number> {
  const log = createLogger(config.logs);
  const main = log.service("main");
  for (const warning of configWarnings(config)) main.warn(warning);

  // Listen for SIGTERM/SIGINT before booting: a signal during boot must still end in a clean
  // stop (node.stopped, shutdown line, exit 0), not in the default handler's abrupt death.
  const stopSignal = waitForStopSignal(main);
  const clock = (): Date => new Date();
  const metrics = new CerteasyMetrics();
  // Limits that depend on events are a projection of the log: a restart does not reset them.
  const rateLedger = rateLimitProjection(config.rateLimiting);
  // Key files are read before anything boots: a missing one is a configuration error.
  const licenseKeys = await loadTrustedKeys(config.license);
  const license = licenseProjection();
  const memoryProjections = [rateLedger, license, ...acmeMemoryProjections, ...metricsMemoryProjections];
  const node = { ...nodeOptions(config, log.service("node")), clock, onBatch: metrics.observeWriterBatch, onCommitted: metrics.countCommitted };
  // One nonce service for the process: a standby's nonces stay good once it is active.
  const nonces = new NonceService({ clock });
  let front: FrontDoor | undefined;
  let core: NodeCore;
  if (options.standby) {
    const outcome = await standBy({ config, log, node, memoryProjections, metrics, nonces, clock, stopSignal });
    if (outcome.kind === "stopped") return EXIT_OK;
    ({ core, front } = outcome);
  } else {
    core = await openNode({ ...node, memoryProjections, forceTakeover: options.forceTakeover });
  }
  let acme: AcmeServices | undefined;
  let tls: TlsCertificateManager | undefined = front?.tls;
  try {
    const licensing = await startNodeLicensing({
      core,
      projection: license,
      keys: licenseKeys,
      config: licensedConfiguration(config),
      log: log.service("license"),
      onDenied: metrics.countLicenseDenial,
    });
    const { boot } = licensing;
    if (boot.banner !== null) process.stderr.write(boot.banner);
    if (boot.verdict.kind === "refused") {
      log.service("license").error({ title: boot.verdict.title, reasons: boot.verdict.reasons }, "boot refused by the license");
      await core.writer.append(bootRefusedCommand(boot.verdict));
      await core.stop("fatal");
      // A standby that took over has its listener up already: close it, or the process stays.
      await front?.listener.close(0);
      await tls?.close();
      return EXIT_FAILURE;
    }
    // Reference §10.1: the startup log names the license and its limits.
    const { limits } = boot.verdict.standing;
    log.service("license").info(
      {
        plan: limits.plan,
        licenseId: boot.verdict.standing.kind === "none" ? null : boot.verdict.standing.license.entitlement.licenseId,
        standing: boot.verdict.standing.kind,
        max_managed_servers: limits.maxManagedServers ?? "unlimited",
        max_cas: limits.maxCas,
        allowed_dbs: limits.allowedDbs,
      },
      "license in force",
    );
    metrics.watchLicense(licensing);
    const urls = config.server.urls.map((u) => u.href);
    const ca = await ensureLocalRootCa(join(config.workdir, "local-ca"), { now: clock, keyPassword: await localCaKeyPassword(config.authorities, config.workdir) });
    const rateLimits = {
      limiter: new RateLimiter({ config: config.rateLimiting, ledger: () => core.live.state(rateLedger) }),
      recorder: new DenialRecorder(core.writer, log.service("acme-server"), metrics.countRateLimitDenial),
      clock,
    };
    acme = await startAcmeServices({
      core,
      config,
      rateLimits,
      licenseGate: licensing.gate,
      log: { validation: log.service("Async-Acme-Challenges"), issuance: log.service("Async-Acme-Pki-Handler") },
      onValidation: metrics.countValidation,
      onRevocationOutcome: metrics.countRevocationOutcome,
      onAuthorityCall: metrics.observeAuthorityCall,
    });
    metrics.watchAuthorities(acme.authorityHealth);
    metrics.watchOrders(orderStatusCountsOf(core), clock);
    // The server's own HTTPS certificates (reference §9); pki bundles may need the authorities.
    // An embedded CA on the operator's files issues the server's certificate too: clients that
    // trust the operator's root then trust this server, with nothing else to distribute.
    const operatorCa = operatorProvidedCa(config);
    const trustPath = operatorCa ? providedCaFiles(operatorCa.provided, config.workdir).rootCertificateFile : ca.certificatePath;
    tls ??= await startTlsCertificateManager({ config, authorities: acme.authorities, rootCa: ca, registry: metrics.registry, clock, log: log.service("http-server") });
    const nodeChecks = nodeReadiness(core, config.database.pingTimeoutMs);
    const authorityChecks = authorityReadiness(acme.authorityHealth, config.database.pingTimeoutMs);
    const readiness = async () => [...(await nodeChecks()), ...(await authorityChecks())];
    metrics.watchNode(nodeMetricSources(core, readiness));
    const app = createAcmeApp({
      serverUrls: urls,
      maxBodyBytes: config.server.maxBodyBytes,
      readiness,
      metrics,
      clientIp: { remoteIpHeader: config.server.remoteIpHeader, trustedProxies: config.server.trustedProxies },
      log: log.service("acme-server"),
      nonces,
      accounts: acme.accounts,
      orders: acme.routes,
      directoryMeta: acme.directoryMeta,
      rateLimits,
      standDown: () => core.lease.lostReason,
    });
    front?.serve(app);
    const listener =
      front?.listener ??
      (await startHttpsServer({
        app,
        host: config.server.listen.host,
        port: config.server.listen.port,
        tls,
        timeouts: config.server,
        log: log.service("http-server"),
      }));
    const admin = await startAdminChannel({ workdir: config.workdir, eab: acme.eab, license: licensing.service, log: main });
    const directoryUrl = `${urls[0]?.replace(/\/+$/, "")}${acmePaths.directory}`;
    main.info({ directoryUrl, listening: listener.url, caCertificate: trustPath }, "certeasy is serving ACME");
    process.stdout.write(`ACME directory: ${directoryUrl}\nTrust this CA certificate in ACME clients: ${trustPath}\n`);

    const stop = await Promise.race([stopSignal.then((signal) => ({ signal })), core.lease.lost.then((lost) => ({ lost }))]);
    if ("lost" in stop) main.warn("draining and exiting: this node lost the writer lease to another node");
    await admin.close();
    const drained = await listener.close(config.server.shutdownTimeoutMs);
    main.info(drained, "HTTP listener drained");
    await tls.close();
    const work = await acme.stop(config.workers.drainTimeoutMs);
    if (work.unfinished > 0) main.warn(work, "validations or issuances still running at the drain deadline: they resume at the next start");
    if ("lost" in stop) {
      await core.stop("fatal");
      process.stderr.write(`certeasy: ${stop.lost.message}\n`);
      return EXIT_FAILURE;
    }
    await core.stop("signal", stop.signal);
    main.info("certeasy stopped");
    return EXIT_OK;
  } catch (error) {
    await front?.listener.close(0).catch(() => undefined);
    await tls?.close();
    await acme?.stop(0);
    await core.stop("fatal");
    throw error;
  }
}

/** Resolves with the first SIGTERM/SIGINT; a second one while draining exits at once. */
function waitForStopSignal(log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    let received: NodeJS.Signals | undefined;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (received) {
        log.warn({ signal }, "second signal while draining: exiting now");
        process.exit(1);
      }
      received = signal;
      log.info({ signal }, "shutting down: draining in-flight requests");
      resolve(signal);
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
  });
}
