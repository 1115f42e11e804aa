/**
 * `certeasy serve` with a `tls-certificate-manager` section (reference §9): a pki bundle issued
 * through the embedded CA is what the listener serves, and a server.url host left out of every
 * bundle stops startup with a message naming it.
 */
import { X509Certificate } from "node:crypto";
import { appendFile, readFile } from "node:fs/promises";
import { connect } from "node:tls";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createInstallation, httpsGet, killLeftoverChildren } from "./harness.js";

afterEach(killLeftoverChildren);

/** The leaf certificate a new connection to `localhost` on `port` is served. */
function servedLeaf(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername: "localhost", rejectUnauthorized: false }, () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(new X509Certificate(raw));
    });
    socket.once("error", reject);
  });
}

describe("serve with tls-certificate-manager", () => {
  it("serves the pki bundle's certificate, issued by the embedded CA's issuing CA and trusted through its root", async () => {
    const node = await createInstallation();
    try {
      await appendFile(
        node.configPath,
        ["tls-certificate-manager:", "  bundles:", "    - name: acme-server", "      mode: pki", "      authority: local", "      key:", "        type: ecdsa", "        curve: P-384", ""].join("\n"),
      );
      const server = await node.serve();
      const root = await readFile(node.rootCaPath, "utf8");
      expect((await httpsGet(server.directoryUrl, root)).status).toBe(200);

      const leaf = await servedLeaf(node.port);
      const cached = new X509Certificate(await readFile(join(node.workdir, "server-certificate-cache", "acme-server-chain.pem"), "utf8"));
      expect(leaf.fingerprint256).toBe(cached.fingerprint256);
      expect(leaf.issuer).toContain("local Issuing CA");
      expect(leaf.subjectAltName).toBe("DNS:localhost");
      expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe("secp384r1");
      expect((await server.stop("SIGTERM")).code).toBe(0);
    } finally {
      await node.cleanup();
    }
  });

  it("refuses to start when a server.url host is in no bundle, naming the host", async () => {
    const node = await createInstallation();
    try {
      await appendFile(node.configPath, ["tls-certificate-manager:", "  bundles:", "    - name: other", "      hosts:", "        - other.test", "      mode: pki", ""].join("\n"));
      const result = await node.cli("serve");
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain("tls-certificate-manager.bundles: expected every server.url host in exactly one bundle, got no bundle for host localhost");
    } finally {
      await node.cleanup();
    }
  });
});
