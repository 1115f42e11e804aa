/** Helpers for the TLS certificate manager tests: certificates to put in files, and what a new TLS connection sees. */
import { connect } from "node:tls";
import { join } from "node:path";
import { ensureLocalRootCa, type LocalRootCa } from "../../src/ca/local/bootstrap.js";
import { issueServerCertificate } from "../../src/tls/server-certificate-issue.js";
import { certificateHosts } from "../../src/tls/server-certificate-hosts.js";

export async function rootCa(dir: string): Promise<LocalRootCa> {
  return ensureLocalRootCa(join(dir, "root-ca"));
}

/** A PEM chain and key for `hosts`, as an operator would put in files. */
export async function certificateFor(ca: LocalRootCa, hosts: readonly string[], now = new Date()): Promise<{ cert: string; key: string }> {
  const issued = await issueServerCertificate(ca, certificateHosts(hosts), now);
  return { cert: issued.certChainPem, key: issued.keyPem };
}

/**
 * The SHA-256 fingerprint of the leaf a fresh TLS connection to 127.0.0.1:`port` is served,
 * asking for `servername` (none: no SNI, as for an IP address). Trust is not the point here.
 */
export function servedFingerprint(port: number, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, rejectUnauthorized: false, ...(servername ? { servername } : {}) }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.once("error", reject);
  });
}
