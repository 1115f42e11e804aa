/**
 * The embedded CA on the operator's own CA files (`type: local` with root-certificate-file,
 * issuing-certificate-file, issuing-key-file) and no `tls-certificate-manager` section: the
 * server's HTTPS certificate comes from that issuing CA, so a client that trusts only the
 * operator's root reaches the server, the banner names that root, and the bootstrap root (still
 * generated in the workdir) vouches for nothing served.
 */
import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "node:tls";
import { describe, expect, it } from "vitest";
import { createTestCa } from "../ca/adcs-cli/fixture.js";
import { createInstallation, httpsGet, startServe } from "./harness.js";

const TIMEOUT = 120_000;

/** The certificates the server presents to a client that sends `localhost` as SNI. */
function servedChain(port: number): Promise<X509Certificate[]> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port, servername: "localhost", rejectUnauthorized: false }, () => {
      const chain: X509Certificate[] = [];
      let current = socket.getPeerCertificate(true);
      const seen = new Set<string>();
      while (current?.raw !== undefined && !seen.has(current.fingerprint256)) {
        seen.add(current.fingerprint256);
        chain.push(new X509Certificate(current.raw));
        current = current.issuerCertificate;
      }
      socket.end();
      resolve(chain);
    });
    socket.once("error", reject);
  });
}

describe("the server certificate under an operator-provided embedded CA", () => {
  it("is issued by the operator's issuing CA, and a client trusting only the operator's root connects", { timeout: TIMEOUT }, async () => {
    const operator = await createTestCa();
    const files = await mkdtemp(join(tmpdir(), "certeasy-operator-ca-"));
    const rootFile = join(files, "root.pem");
    await writeFile(rootFile, operator.rootPem);
    await writeFile(join(files, "issuing.pem"), operator.issuingPem);
    await writeFile(join(files, "issuing.key"), operator.issuingKeyPem, { mode: 0o600 });
    const installation = await createInstallation({
      configExtra: [
        "authorities:",
        "  - name: corp-lab",
        "    type: local",
        "    configuration:",
        `      root-certificate-file: ${JSON.stringify(rootFile)}`,
        `      issuing-certificate-file: ${JSON.stringify(join(files, "issuing.pem"))}`,
        `      issuing-key-file: ${JSON.stringify(join(files, "issuing.key"))}`,
      ].join("\n"),
    });
    try {
      // startServe waits for /readyz over HTTPS trusting only the operator's root.
      const server = await startServe(installation.configPath, rootFile, { timeoutMs: 90_000 });
      try {
        expect(server.stdout()).toContain(`Trust this CA certificate in ACME clients: ${rootFile}`);
        const directory = await httpsGet(server.directoryUrl, operator.rootPem);
        expect(directory.status).toBe(200);

        const [leaf, ...rest] = await servedChain(installation.port);
        const issuing = new X509Certificate(operator.issuingPem);
        expect(leaf?.checkHost("localhost")).toBe("localhost");
        expect(leaf?.checkIssued(issuing)).toBe(true);
        expect(leaf?.verify(issuing.publicKey)).toBe(true);
        expect(rest.map((c) => c.subject)).toContain(issuing.subject);

        // The bootstrap root in the workdir does not vouch for what is served.
        const bootstrapRoot = await readFile(installation.rootCaPath, "utf8");
        await expect(httpsGet(server.directoryUrl, bootstrapRoot)).rejects.toThrow(/certificate/i);
      } finally {
        expect((await server.stop("SIGTERM")).code).toBe(0);
      }
      // A standby opens no authority, so it could not issue this certificate at boot.
      const standby = await installation.cli("serve", "--standby");
      expect(standby.code).not.toBe(0);
      expect(standby.stderr).toContain("lease.standby: tls-certificate-manager bundle server is issued by the authority corp-lab");
    } finally {
      await installation.cleanup();
      await rm(files, { recursive: true, force: true });
    }
  });
});
