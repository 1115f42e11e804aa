/**
 * MsvAvChannelBindings (MS-NLMP §2.2.2.1): MD5 of a gss_channel_bindings_struct (RFC 2744
 * §3.11, addresses empty) whose application data is `tls-server-end-point:` followed by the
 * hash of the server's TLS certificate (RFC 5929 §4.1). IIS with Extended Protection (EPA,
 * on by default for AD CS since Windows Server 2025, adcs.md §3.2) compares it with its own
 * certificate, so an authentication relayed to another server is refused.
 */
import "reflect-metadata";
import { createHash } from "node:crypto";
import * as x509 from "@peculiar/x509";

/**
 * RFC 5929 §4.1: the certificate's signature hash, except that MD5 and SHA-1 become SHA-256
 * (and so does anything unrecognised, e.g. Ed25519, which names no separate hash).
 */
function endPointHash(certificateDer: Uint8Array): "sha256" | "sha384" | "sha512" {
  let hash: string | undefined;
  try {
    const algorithm = new x509.X509Certificate(new Uint8Array(certificateDer)).signatureAlgorithm as { hash?: { name?: string } };
    hash = algorithm.hash?.name;
  } catch {
    hash = undefined;
  }
  if (hash === "SHA-384") return "sha384";
  if (hash === "SHA-512") return "sha512";
  return "sha256";
}

export function channelBindingsHash(serverCertificateDer: Uint8Array): Uint8Array {
  const digest = createHash(endPointHash(serverCertificateDer)).update(serverCertificateDer).digest();
  const application = Buffer.concat([Buffer.from("tls-server-end-point:", "ascii"), digest]);
  const struct = Buffer.alloc(20 + application.length);
  // initiator address type and length, acceptor address type and length: all zero.
  struct.writeUInt32LE(application.length, 16);
  application.copy(struct, 20);
  return new Uint8Array(createHash("md5").update(struct).digest());
}
