/**
 * What a TLS server on loopback serves for a name, seen by a browser-like client: SNI set to the
 * name, only the run's root trusted (node's `ca` replaces the default store, and node fetches no
 * missing intermediate), the hostname checked against the leaf. A handshake that succeeds so
 * proves the server sends a chain from its leaf to that root and a leaf that names the host.
 */
import { isIP } from "node:net";
import { checkServerIdentity, connect, type PeerCertificate } from "node:tls";

export interface ServedCertificate {
  /** the leaf's serial, upper-case hex as node prints it */
  readonly serial: string;
}

/**
 * Handshake with `127.0.0.1:port` for `name`; rejects with node's reason when it does not verify.
 * For an IP address there is no SNI (RFC 6066 §3 allows host names only): the leaf is then
 * checked for an iPAddress SAN equal to it.
 */
export function servedCertificate(port: number, name: string, rootCa: string, timeoutMs = 5000): Promise<ServedCertificate> {
  return new Promise((resolveServed, reject) => {
    const server = isIP(name) === 0 ? { servername: name } : { checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(name, cert) };
    const socket = connect({ host: "127.0.0.1", port, ...server, ca: rootCa, rejectUnauthorized: true, ALPNProtocols: ["http/1.1"], timeout: timeoutMs });
    socket.once("timeout", () => socket.destroy(new Error(`no TLS handshake with 127.0.0.1:${port} within ${timeoutMs} ms`)));
    socket.once("error", reject);
    socket.once("secureConnect", () => {
      const leaf = socket.getPeerX509Certificate();
      socket.end();
      if (leaf === undefined) reject(new Error("the server sent no certificate"));
      else resolveServed({ serial: leaf.serialNumber });
    });
  });
}
