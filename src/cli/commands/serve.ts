/**
 * `certeasy serve -f config.yml`: validate the config (same gate as `validate`), boot the node
 * core, check the license (reference §8.3: a configuration the license or the Free plan does not
 * allow is refused with a banner on stderr and exit 1), make sure the server's own HTTPS
 * certificate exists, listen, and drain on SIGTERM or
 * SIGINT (reference §11.4): stop accepting, finish in-flight requests within
 * `server.shutdown-timeout`, record node.stopped and the shutdown line, close, exit 0.
 */
import { join } from "node:path";
import type { Command } from "commander";
import { configWarnings, type CerteasyConfig } from "../../config/index.js";
import { startAcmeServices, type AcmeServices } from "../../acme/acme-services.js";
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
import { openNode } from "../../node/open-node.js";
import { authorityReadiness, nodeReadiness } from "../../node/readiness.js";
import { CerteasyMetrics } from "../../observability/metrics.js";
import { nodeMetricSources } from "../../observability/node-sources.js";
import { ensureServerCertificate } from "../../tls/server-certificate.js";
import { hostsOfServerUrls } from "../../tls/server-certificate-hosts.js";
import { nodeOptions, requireConfigFile } from "../context.js";
import { EXIT_FAILURE, EXIT_OK, runCommand } from "../run.js";

export function registerServe(program: Command): void {
  program
    .command("serve")
    .description("run the ACME server")
    .option("-f, --file <config>", "configuration file")
    .action(runCommand(async (opts: { file?: string }) => serve(requireConfigFile(opts.file))));
}

async function serve(config: CerteasyConfig): Promise<number> {
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
  const core = await openNode({
    ...nodeOptions(config, log.service("node")),
    memoryProjections: [rateLedger, license],
    clock,
    onBatch: metrics.observeWriterBatch,
    onCommitted: metrics.countCommitted,
  });
  let acme: AcmeServices | undefined;
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
    const ca = await ensureLocalRootCa(join(config.workdir, "local-ca"), { now: clock });
    const certificate = await ensureServerCertificate({
      cacheDir: join(config.workdir, "server-certificate-cache"),
      hosts: hostsOfServerUrls(urls),
      ca,
      clock: { now: clock },
      log: log.service("http-server"),
    });
    const rateLimits = {
      limiter: new RateLimiter({ config: config.rateLimiting, ledger: () => core.live.state(rateLedger) }),
      recorder: new DenialRecorder(core.writer, log.service("acme-server")),
      clock,
    };
    acme = await startAcmeServices({
      core,
      config,
      rateLimits,
      licenseGate: licensing.gate,
      log: { validation: log.service("Async-Acme-Challenges"), issuance: log.service("Async-Acme-Pki-Handler") },
      onValidation: metrics.countValidation,
    });
    metrics.watchAuthorities(acme.authorities);
    const nodeChecks = nodeReadiness(core, config.database.pingTimeoutMs);
    const authorityChecks = authorityReadiness(acme.authorities, config.database.pingTimeoutMs);
    const readiness = async () => [...(await nodeChecks()), ...(await authorityChecks())];
    metrics.watchNode(nodeMetricSources(core, readiness));
    const app = createAcmeApp({
      serverUrls: urls,
      maxBodyBytes: config.server.maxBodyBytes,
      readiness,
      metrics,
      clientIp: { remoteIpHeader: config.server.remoteIpHeader, trustedProxies: config.server.trustedProxies },
      log: log.service("acme-server"),
      nonces: new NonceService({ clock }),
      accounts: acme.accounts,
      orders: acme.routes,
      directoryMeta: acme.directoryMeta,
      rateLimits,
    });
    const listener = await startHttpsServer({
      app,
      host: config.server.listen.host,
      port: config.server.listen.port,
      tls: { key: certificate.keyPem, cert: certificate.certChainPem },
      timeouts: config.server,
      log: log.service("http-server"),
    });
    const admin = await startAdminChannel({ workdir: config.workdir, eab: acme.eab, license: licensing.service, log: main });
    const directoryUrl = `${urls[0]?.replace(/\/+$/, "")}${acmePaths.directory}`;
    main.info({ directoryUrl, listening: listener.url, caCertificate: certificate.rootCaPath }, "certeasy is serving ACME");
    process.stdout.write(`ACME directory: ${directoryUrl}\nTrust this CA certificate in ACME clients: ${certificate.rootCaPath}\n`);

    const signal = await stopSignal;
    await admin.close();
    const drained = await listener.close(config.server.shutdownTimeoutMs);
    main.info(drained, "HTTP listener drained");
    const work = await acme.stop(config.workers.drainTimeoutMs);
    if (work.unfinished > 0) main.warn(work, "validations or issuances still running at the drain deadline: they resume at the next start");
    await core.stop("signal", signal);
    main.info("certeasy stopped");
    return EXIT_OK;
  } catch (error) {
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
