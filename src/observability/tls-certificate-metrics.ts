/**
 * Metrics of the server's own HTTPS certificates (reference §9), one series per bundle (a
 * bounded label: bundles are named in the config). The expiry is a Unix timestamp, the
 * Prometheus convention, so an alert reads `certeasy_tls_certificate_expiry_timestamp_seconds
 * - time() < 7 * 86400`.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { TlsCertificateEvents } from "../tls/manager.js";
import { METRIC_PREFIX } from "./metrics.js";

export function tlsCertificateMetrics(registry: Registry): TlsCertificateEvents {
  const registers = [registry];
  const expiry = new Gauge({
    name: `${METRIC_PREFIX}tls_certificate_expiry_timestamp_seconds`,
    help: "notAfter of the HTTPS certificate each tls-certificate-manager bundle serves, Unix seconds",
    labelNames: ["bundle"],
    registers,
  });
  const renewals = new Counter({
    name: `${METRIC_PREFIX}tls_certificate_renewals_total`,
    help: "HTTPS certificates replaced while running (renewed, or reloaded from changed files), and failed attempts, by bundle",
    labelNames: ["bundle", "outcome"],
    registers,
  });
  return {
    serving: (bundle, notAfter) => expiry.set({ bundle }, Math.floor(notAfter.getTime() / 1000)),
    renewal: (bundle, outcome) => renewals.inc({ bundle, outcome }),
  };
}
